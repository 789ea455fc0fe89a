import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** GraphQL over HTTP's own media type for answers. */
export const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const GRAPHQL_PATH = '/graphql';

/** Each media range of an Accept header with its weight (`q`, 1 when not given); other parameters do not matter here. */
function weights(accept: string): Map<string, number> {
  const listed = new Map<string, number>();
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    listed.set(type, Number.isFinite(weight) ? weight : 0);
  }
  return listed;
}

/**
 * Whether the client asks for `application/graphql-response+json` at least as much as for
 * `application/json`. Clients that say nothing, or anything (`*\/*`), keep `application/json`,
 * which every client reads.
 */
export function prefersGraphqlResponse(accept: string | undefined): boolean {
  if (!accept) return false;
  const listed = weights(accept);
  const graphql = listed.get(GRAPHQL_RESPONSE) ?? 0;
  return graphql > 0 && graphql >= (listed.get('application/json') ?? 0);
}

/**
 * Answers of `/graphql` (results and errors alike, whoever gave them: the query service, a check,
 * authentication) go out as `application/graphql-response+json` to a client that prefers it. Under
 * that type a 4xx is known to come from the server itself, so clients read the errors in it as the
 * request's errors; under `application/json` some (Apollo Client 4) report only the status.
 */
export function answerGraphqlMediaType(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply, payload) => {
      if (request.routeOptions.url !== GRAPHQL_PATH) return payload;
      const type = reply.getHeader('content-type');
      if (typeof type === 'string' && type.startsWith('application/json') && prefersGraphqlResponse(request.headers.accept)) {
        void reply.header('content-type', `${GRAPHQL_RESPONSE}; charset=utf-8`);
      }
      return payload;
    });
}
