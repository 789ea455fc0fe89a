/**
 * What the routes that carry data take: a batch of records, a flow trigger's payload, a flow's
 * definition. Up to BODY_LIMIT_BYTES (10 MiB by default).
 */
const LARGE_BODY_ROUTES = [/^\/api\/v1\/entities\/:name\/batch$/, /^\/api\/1\/action\/(:app\/)?:flow\/trigger$/, /^\/api\/v1\/flows(\/:id)?$/];

/** Every other route's body: a key, a user, a login, a query's options, a GraphQL document. */
export const SMALL_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The body limit of a route that takes small bodies only. A body is parsed, and its depth checked,
 * before anyone is authenticated: 10 MiB of `[{},{},…]` sent to the login costs half a gigabyte of
 * memory and a second of the event loop, a few at once a gateway. A megabyte is a twentieth of that.
 */
export function smallBodyLimit(route: { url: string }): number | undefined {
  return LARGE_BODY_ROUTES.some((pattern) => pattern.test(route.url)) ? undefined : SMALL_BODY_LIMIT_BYTES;
}
