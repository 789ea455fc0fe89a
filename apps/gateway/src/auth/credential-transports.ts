import type { FastifyRequest } from 'fastify';
import { parseCredential } from '@tollgate/auth';

type Extractor = (request: FastifyRequest) => string | undefined;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const field = (source: unknown, name: string): string | undefined =>
  source && typeof source === 'object' && !Array.isArray(source) ? text((source as Record<string, unknown>)[name]) : undefined;

/** `<scheme> <anything>`: an RFC 9110 auth-scheme (a token) and a space. */
const OTHER_SCHEME = /^[!#$%&'*+.^`|~\w-]+ /;

const isKey = (value: string) => ['personal', 'organization', 'data'].includes(parseCredential(value) ?? '');

/**
 * `Authorization: Basic base64(user:password)` from webhook senders that offer nothing else: a
 * key as the password (`apikey:KEY`) or as the user name (`KEY:`). Only a well-formed key is taken,
 * so a sender's own Basic credentials still reach a flow open to anyone.
 */
const basicCredential: Extractor = (request) => {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(text(request.headers.authorization) ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  if (isKey(password)) return password;
  return isKey(user) ? user : undefined;
};

/**
 * A key in `Authorization: Basic` on a request a browser sent from another site's page. Browsers
 * keep what a user typed into a Basic prompt (which the trigger routes' 401 offers) and send it
 * with every later request to the gateway, a form another site submits included: taken, that
 * form would run flows, and spend credits, as the user's key. Webhook senders, the servers Basic
 * is for, send no `Sec-Fetch-Site`.
 */
export const isBasicKeyFromAnotherSite = (request: FastifyRequest): boolean =>
  request.headers['sec-fetch-site'] === 'cross-site' && basicCredential(request) !== undefined;

/**
 * An `access_token` in a JSON or form body, when it is a well-formed key: a webhook payload may
 * carry an access_token of its own (an OAuth provider's), which is the flow's data, not a credential.
 */
export const bodyCredential: Extractor = (request) => {
  const value = field(request.body, 'access_token');
  return value !== undefined && isKey(value) ? value : undefined;
};

const accessTokenParameter: Extractor = (request) => field(request.query, 'access_token');
const keyParameter: Extractor = (request) => field(request.query, 'key');

/** Where a credential may travel, one passport strategy each (API.md, Authentication). */
export const CREDENTIAL_TRANSPORTS: Record<string, Extractor> = {
  'api-key-header': (request) => text(request.headers['x-api-key']),
  bearer: (request) => {
    const header = text(request.headers.authorization);
    if (!header) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
    // Another scheme carries no Tollgate credential (Basic one only when it holds a key, see
    // basicCredential): a webhook sender configured with one still reaches an anonymous flow, and
    // a protected route answers 401 as for none. A bare value, without a scheme, is tried as a key.
    return OTHER_SCHEME.test(header) ? undefined : header;
  },
  basic: basicCredential,
  'query-token': (request) => accessTokenParameter(request) ?? keyParameter(request),
  // Only a well-formed key, as for Basic (see bodyCredential).
  'body-token': bodyCredential,
};

/** Every place a credential may be found: `query-token` reads `key` only without `access_token`, so `key` once more on its own. */
const EVERY_PLACE: Extractor[] = [...Object.values(CREDENTIAL_TRANSPORTS), keyParameter];

/** The distinct credentials a request carries, wherever each travels. */
export function presentedCredentials(request: FastifyRequest): Set<string> {
  const found = new Set<string>();
  for (const extract of EVERY_PLACE) {
    const credential = extract(request);
    if (credential !== undefined) found.add(credential);
  }
  return found;
}

/** Query parameters that carry a credential (API.md, Authentication). */
export const CREDENTIAL_PARAMETERS = ['access_token', 'key'] as const;

/**
 * Credential parameters given more than once (`key=K&key=K`). Fastify reads them as a list, which
 * no transport takes: without this they would count as no credential at all.
 */
export function repeatedCredentialParameters(request: FastifyRequest): string[] {
  const query = request.query;
  if (!query || typeof query !== 'object') return [];
  return CREDENTIAL_PARAMETERS.filter((name) => Array.isArray((query as Record<string, unknown>)[name]));
}

export const TRANSPORT_STRATEGIES = Object.keys(CREDENTIAL_TRANSPORTS);
