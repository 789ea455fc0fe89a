import { Transform, type Readable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest, preParsingAsyncHookHandler } from 'fastify';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException, BEARER_CHALLENGE, challengeWith } from '@tollgate/service-runtime';
import { largeBodyRoute, SMALL_BODY_LIMIT_BYTES, type LargeBodyRoute } from '../body-limits';
import { ServiceClients } from '../downstream/service-clients';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { CredentialVerifier } from './credential-verifier';
import { ANONYMOUS, BASIC_CHALLENGE, singlePresentedCredential } from './credential.guard';

/**
 * A 413 rather than a 401: the sender may hold a valid key, in the body, which cannot be looked at
 * before the body is read. What it needs to hear is where the key must go, or that smaller bodies
 * take it where it is.
 */
const needsKeyOutsideBody = () =>
  new ApiException(
    ErrorCode.PayloadTooLarge,
    `A body larger than ${SMALL_BODY_LIMIT_BYTES} bytes needs its key in the Authorization or X-Api-Key header, or the URL, not in the body`,
  );

/**
 * On the routes that take bodies over SMALL_BODY_LIMIT_BYTES (batches, flow triggers, flow
 * definitions), a body over that much is read only once its sender is authenticated: the guard
 * runs after the body is parsed, and parsing 10 MiB of `[{},{},…]` costs half a gigabyte and a
 * second of the event loop. So before the body is read, the credential in the headers or the URL
 * is verified as the guard would (the same cache, the same failure count); without one, a body
 * announced over the limit is refused at once, and one sent chunked when it passes the limit.
 * A trigger's anonymous caller (its webhook token in the URL, or none) may send up to the route's
 * limit to a flow that takes it from them: the flows service, which alone knows which flows those
 * are, is asked first, and its refusal is the answer.
 */
export function authenticateLargeBodies(app: NestFastifyApplication): void {
  const verifier = app.get(CredentialVerifier);
  const limiter = app.get(AuthFailureLimiter);
  const clients = app.get(ServiceClients);

  /** Whether the flows service would run this trigger for an anonymous caller; throws its refusal. */
  const mayTriggerAnonymously = async (request: FastifyRequest): Promise<void> => {
    const { app: appName, flow } = request.params as { app?: string; flow?: string };
    const query = request.query as Record<string, string | string[] | undefined>;
    const instance = query.instance ?? request.headers['x-tollgate-instance'];
    const asked = new URLSearchParams();
    for (const [name, value] of Object.entries({ app: appName, flow, instance, token: query.token })) {
      for (const one of [value ?? []].flat()) asked.append(name, one);
    }
    await clients.flows.json({ method: 'GET', path: `/internal/trigger-access?${asked}`, principal: ANONYMOUS, requestId: String(request.id) });
  };

  const verifyBeforeBody = async (request: FastifyRequest, credential: string): Promise<void> => {
    // Keys is asked unless the cache knows the credential, and the answer cached: the guard's own
    // verification, once the body is read, finds it there and reports the key's use, once.
    if (verifier.standing(credential) ?? (await verifier.recheck(credential, String(request.id)))) return;
    await limiter.recordFailure(request.ip);
    throw ApiException.invalidToken();
  };

  const authenticateFirst =
    (route: LargeBodyRoute): preParsingAsyncHookHandler =>
    async (request, _reply, payload) => {
      const length = request.headers['content-length'];
      const chunked = length === undefined && request.headers['transfer-encoding'] !== undefined;
      const announced = Number(length);
      // A small body is read as on any other route, a key in it included; one over the route's own
      // limit is Fastify's 413, whoever sends it.
      if (!chunked && !(announced > SMALL_BODY_LIMIT_BYTES)) return payload;
      if (announced > (request.routeOptions.bodyLimit ?? Infinity)) return payload;
      if (route.auth.basicChallenge) challengeWith(request, [BASIC_CHALLENGE, BEARER_CHALLENGE]);
      // The body is not parsed yet: only the headers' and the URL's credentials are found.
      const credential = await singlePresentedCredential(request, limiter);
      if (credential !== undefined) {
        await verifyBeforeBody(request, credential);
        return payload;
      }
      if (route.auth.anonymous) {
        const refusal = await mayTriggerAnonymously(request).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (refusal === undefined) return payload;
        // A chunked body may still be small, and carry its key as access_token: it is refused
        // only once past a small body's limit, and the guard judges the rest.
        if (chunked) return refusedPast(payload, SMALL_BODY_LIMIT_BYTES, () => refusal as Error);
        throw refusal;
      }
      if (chunked) return refusedPast(payload, SMALL_BODY_LIMIT_BYTES, needsKeyOutsideBody);
      throw needsKeyOutsideBody();
    };

  // Only on these routes, so that no other request pays for the hook.
  app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
    const large = largeBodyRoute(route);
    // Fastify reads no GET body: a GET trigger's handler reads its own, after the guard.
    if (!large || [route.method].flat().every((method) => method === 'GET' || method === 'HEAD')) return;
    const existing = route.preParsing ? [route.preParsing].flat() : [];
    route.preParsing = [...existing, authenticateFirst(large)] as typeof route.preParsing;
  });
}

/**
 * The body as Fastify reads it, failing with `refusal` once more than `limitBytes` have come.
 * Piped rather than put through pipeline(), which would destroy the request, and its connection,
 * under a client still sending: that client would never read the answer. The rest is read and
 * thrown away within the service's bounds for unread bodies.
 */
function refusedPast(payload: Readable, limitBytes: number, refusal: () => Error): Readable {
  let received = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > limitBytes) done(refusal());
      else done(null, chunk);
    },
  });
  payload.once('error', (error) => counted.destroy(error));
  return payload.pipe(counted);
}
