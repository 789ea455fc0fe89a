import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';

/**
 * Fastify answers HEAD on every GET route by running the GET handler and dropping the body. On a
 * route that charges credits or starts a flow run, that would charge for an answer with no body,
 * or let a link checker or a preview bot run flows: HEAD is meant to change nothing. Such routes
 * refuse it (405, with the methods they take in `Allow`), before anything is charged or run, and
 * are marked `@RefusesHead()` so that a wrong method's `Allow` does not offer HEAD either.
 */
export function refuseHead(request: FastifyRequest, allow: string): void {
  if (request.method === 'HEAD') {
    throw new ApiException(ErrorCode.MethodNotAllowed, `HEAD would charge or run something here; use ${allow.split(', ').join(' or ')}`, {
      headers: { allow },
    });
  }
}
