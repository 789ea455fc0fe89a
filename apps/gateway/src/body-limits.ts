import type { AuthOptions } from './auth/authenticated.decorator';

/** A route that takes bodies up to BODY_LIMIT_BYTES, and who its guard lets in (its `@Authenticated` options). */
export interface LargeBodyRoute {
  url: RegExp;
  auth: Pick<AuthOptions, 'anonymous' | 'basicChallenge'>;
}

/**
 * What the routes that carry data take: a batch of records, a flow trigger's payload, a flow's
 * definition. Up to BODY_LIMIT_BYTES (10 MiB by default); over SMALL_BODY_LIMIT_BYTES only from a
 * sender authenticated before its body is read (see authenticateLargeBodies), except a trigger's
 * anonymous caller, which a flow open to anyone takes.
 */
const LARGE_BODY_ROUTES: LargeBodyRoute[] = [
  { url: /^\/api\/v1\/entities\/:name\/batch$/, auth: {} },
  { url: /^\/api\/1\/action\/(:app\/)?:flow\/trigger$/, auth: { anonymous: true, basicChallenge: true } },
  { url: /^\/api\/v1\/flows(\/:id)?$/, auth: {} },
];

/** Every other route's body: a key, a user, a login, a query's options, a GraphQL document. */
export const SMALL_BODY_LIMIT_BYTES = 1024 * 1024;

/** The large-body route `route` is, if any. */
export function largeBodyRoute(route: { url: string }): LargeBodyRoute | undefined {
  return LARGE_BODY_ROUTES.find((large) => large.url.test(route.url));
}

/**
 * The body limit of a route that takes small bodies only. A body is parsed, and its depth checked,
 * before anyone is authenticated: 10 MiB of `[{},{},…]` sent to the login costs half a gigabyte of
 * memory and a second of the event loop, a few at once a gateway. A megabyte is a twentieth of that.
 */
export function smallBodyLimit(route: { url: string }): number | undefined {
  return largeBodyRoute(route) ? undefined : SMALL_BODY_LIMIT_BYTES;
}
