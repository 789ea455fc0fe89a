import type { Principal } from '@tollgate/auth';
import type { GatewayConfig } from '../config/gateway.config';
import type { CredentialVerifier } from './credential-verifier';
import { CredentialWatch } from './credential-watch';
import type { Standing } from './verification-cache';

const key: Principal = { instanceId: 'demo', kind: 'organization', keyId: 'key_1', userId: 'user_1', scopes: ['query'] };
const TTL = 30_000;

/**
 * `opened`: what the cache says of the credential when the answer opens (undefined: nothing cached).
 * `answer`: keys' answer to a fresh check, as the test decides it.
 */
function watchWith(answer: () => Standing | undefined | Promise<never>, opened: () => Standing | undefined = () => ({ verifiedAt: Date.now() })) {
  const verifier = { standing: jest.fn(opened), recheck: jest.fn(async () => answer()) } as unknown as CredentialVerifier;
  return { watch: new CredentialWatch(verifier, { AUTH_CACHE_TTL_MS: TTL } as GatewayConfig), verifier };
}

describe('credential watch', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ends an answer within one cache TTL once keys refuses its credential, though no event said so', async () => {
    let alive = true;
    const { watch, verifier } = watchWith(() => (alive ? { verifiedAt: Date.now() } : undefined));
    const ended = jest.fn();
    watch.refusal(key, 'tg_secret', 'req_1').subscribe(ended);
    await jest.advanceTimersByTimeAsync(TTL);
    expect(ended).not.toHaveBeenCalled();
    alive = false; // expired, or revoked while the event was lost
    await jest.advanceTimersByTimeAsync(TTL);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(verifier.recheck).toHaveBeenLastCalledWith('tg_secret', 'req_1');
  });

  it('checks again when the cached verification the answer opened on would expire, not a whole TTL after it opened', async () => {
    const { watch, verifier } = watchWith(() => undefined, () => ({ verifiedAt: Date.now() - (TTL - 1_000) }));
    const ended = jest.fn();
    watch.refusal(key, 'tg_secret', 'req_1').subscribe(ended);
    await jest.advanceTimersByTimeAsync(999);
    expect(verifier.recheck).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('checks again within a second when nothing cached tells when the credential was verified', async () => {
    const { watch, verifier } = watchWith(() => ({ verifiedAt: Date.now() }), () => undefined);
    watch.refusal(key, 'tg_secret', 'req_1').subscribe();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(verifier.recheck).toHaveBeenCalledTimes(1);
  });

  it('ends an answer when its credential expires, known when it opened or from a later check', async () => {
    const opened = Date.now();
    const { watch, verifier } = watchWith(() => ({ verifiedAt: Date.now(), expiresAt: opened + TTL + 5_000 }), () => ({ verifiedAt: opened, expiresAt: opened + 5_000 }));
    const early = jest.fn();
    watch.refusal(key, 'tg_early', 'req_1').subscribe(early);
    const { watch: later } = watchWith(() => ({ verifiedAt: Date.now(), expiresAt: opened + TTL + 5_000 }));
    const late = jest.fn();
    later.refusal(key, 'tg_late', 'req_2').subscribe(late);
    await jest.advanceTimersByTimeAsync(4_999);
    expect(early).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(early).toHaveBeenCalledTimes(1);
    expect(verifier.recheck).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(TTL - 1);
    expect(late).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('ends an answer once it has gone a TTL unverified because keys cannot be asked', async () => {
    let reachable = true;
    const { watch } = watchWith(() => (reachable ? { verifiedAt: Date.now() } : Promise.reject(new Error('keys unavailable'))));
    const ended = jest.fn();
    watch.refusal(key, 'tg_secret', 'req_1').subscribe(ended);
    await jest.advanceTimersByTimeAsync(TTL);
    reachable = false;
    await jest.advanceTimersByTimeAsync(TTL - 1);
    expect(ended).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it("ends at once the answers of a dead key or user, and only theirs", () => {
    const { watch } = watchWith(() => ({ verifiedAt: Date.now() }));
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
    const { watch } = watchWith(() => ({ verifiedAt: Date.now() }));
    const session = { ...key, kind: 'session' as const, keyId: undefined };
    const [signedOut, sameUser] = [jest.fn(), jest.fn()];
    watch.refusal(session, 'tgs_one', 'r').subscribe(signedOut);
    watch.refusal(session, 'tgs_two', 'r').subscribe(sameUser);
    watch.credentialEnded('tgs_one');
    expect([signedOut, sameUser].map((f) => f.mock.calls.length)).toEqual([1, 0]);
  });

  it('ends at once the answers of a session signed out through another gateway, and only that session\'s', () => {
    const { watch } = watchWith(() => ({ verifiedAt: Date.now() }));
    const session = (sessionId: string): Principal => ({ ...key, kind: 'session', keyId: undefined, sessionId });
    const [signedOut, sameUser] = [jest.fn(), jest.fn()];
    watch.refusal(session('s1'), 'tgs_one', 'r').subscribe(signedOut);
    watch.refusal(session('s2'), 'tgs_two', 'r').subscribe(sameUser);
    watch.sessionEnded('s1');
    expect([signedOut, sameUser].map((f) => f.mock.calls.length)).toEqual([1, 0]);
  });
});
