import type { FastifyRequest } from 'fastify';

/**
 * The scheme and host the caller reached the gateway at, for the URLs the gateway hands back (the
 * query builder's, a flow's `url` input). Behind a reverse proxy the gateway trusts (`TRUST_PROXY`)
 * they are the proxy's `X-Forwarded-Proto` and `X-Forwarded-Host`, which nginx, say, sends while
 * it sets `Host` to the upstream's address; from anyone else those headers say nothing.
 */
export const callerOrigin = (request: FastifyRequest): string => `${request.protocol}://${request.host || 'localhost'}`;
