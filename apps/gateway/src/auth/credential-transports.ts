import type { FastifyRequest } from 'fastify';

type Extractor = (request: FastifyRequest) => string | undefined;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const field = (source: unknown, name: string): string | undefined =>
  source && typeof source === 'object' && !Array.isArray(source) ? text((source as Record<string, unknown>)[name]) : undefined;

/** Where a credential may travel, one passport strategy each (API.md, Authentication). */
export const CREDENTIAL_TRANSPORTS: Record<string, Extractor> = {
  'api-key-header': (request) => text(request.headers['x-api-key']),
  bearer: (request) => {
    const header = text(request.headers.authorization);
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    return match?.[1] ?? (header ? header : undefined);
  },
  'query-token': (request) => field(request.query, 'access_token') ?? field(request.query, 'key'),
  'body-token': (request) => field(request.body, 'access_token'),
};

export const TRANSPORT_STRATEGIES = Object.keys(CREDENTIAL_TRANSPORTS);
