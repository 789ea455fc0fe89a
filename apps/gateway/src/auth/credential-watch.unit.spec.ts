import type { Principal } from '@tollgate/auth';
import type { GatewayConfig } from '../config/gateway.config';
import type { CredentialVerifier } from './credential-verifier';
import { CredentialWatch } from './credential-watch';

const key: Principal = { instanceId: 'demo', kind: 'organization', keyId: 'key_1', userId: 'user_1', scopes: ['query'] };

/** Keys' answer to a fresh check, as the test decides it. */
function watchWith(answer: () => Principal | undefined | Promise<never>) {
  const verifier = { verify: jest.fn(async () => answer()) } as unknown as CredentialVerifier;
  return { watch: new CredentialWatch(verifier, { AUTH_CACHE_TTL_MS: 30_000 } as GatewayConfig), verifier };
}

describe('credential watch', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ends an answer within one cache TTL once keys refuses its credential, though no event said so', async () => {
    let alive = true;
    const { watch, verifier } = watchWith(() => (alive ? key : undefined));
    const ended = jest.fn();
    watch.refusal(key, 'tg_secret', 'req_1').subscribe(ended);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(ended).not.toHaveBeenCalled();
    alive = false; // expired, or revoked while the event was lost
    await jest.advanceTimersByTimeAsync(30_000);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(verifier.verify).toHaveBeenLastCalledWith('tg_secret', { operator: false, requestId: 'req_1', fresh: true, use: false });
  });

  it('keeps an answer open while keys cannot be asked', async () => {
    const { watch } = watchWith(() => Promise.reject(new Error('keys unavailable')));
    const ended = jest.fn();
    watch.refusal(key, 'tg_secret', 'req_1').subscribe(ended);
    await jest.advanceTimersByTimeAsync(90_000);
    expect(ended).not.toHaveBeenCalled();
  });

  it("ends at once the answers of a dead key or user, and only theirs", () => {
    const { watch } = watchWith(() => key);
    const [byKey, byUser, other] = [jest.fn(), jest.fn(), jest.fn()];
    watch.refusal(key, 'a', 'r').subscribe(byKey);
    watch.refusal({ ...key, kind: 'session', keyId: undefined }, 'b', 'r').subscribe(byUser);
    watch.refusal({ ...key, keyId: 'key_2', userId: 'user_2' }, 'c', 'r').subscribe(other);
    watch.keyEnded('key_1');
    expect([byKey, byUser, other].map((f) => f.mock.calls.length)).toEqual([1, 0, 0]);
    watch.userEnded('user_1');
    expect([byKey, byUser, other].map((f) => f.mock.calls.length)).toEqual([1, 1, 0]);
  });

  it('ends at once the answers of a credential ended here, and only that credential\'s', () => {
    const { watch } = watchWith(() => key);
    const session = { ...key, kind: 'session' as const, keyId: undefined };
    const [signedOut, sameUser] = [jest.fn(), jest.fn()];
    watch.refusal(session, 'tgs_one', 'r').subscribe(signedOut);
    watch.refusal(session, 'tgs_two', 'r').subscribe(sameUser);
    watch.credentialEnded('tgs_one');
    expect([signedOut, sameUser].map((f) => f.mock.calls.length)).toEqual([1, 0]);
  });

  it('ends at once the answers of a session signed out through another gateway, and only that session\'s', () => {
    const { watch } = watchWith(() => key);
    const session = (sessionId: string): Principal => ({ ...key, kind: 'session', keyId: undefined, sessionId });
    const [signedOut, sameUser] = [jest.fn(), jest.fn()];
    watch.refusal(session('s1'), 'tgs_one', 'r').subscribe(signedOut);
    watch.refusal(session('s2'), 'tgs_two', 'r').subscribe(sameUser);
    watch.sessionEnded('s1');
    expect([signedOut, sameUser].map((f) => f.mock.calls.length)).toEqual([1, 0]);
  });
});
