import type { Principal } from '@tollgate/auth';
import { VerificationCache } from './verification-cache';

describe('VerificationCache', () => {
  let now = 1_000_000;
  const clock = () => now;
  const key: Principal = { instanceId: 'i', kind: 'personal', keyId: 'k1', userId: 'u1', scopes: ['query'] };
  const fresh = () => {
    const cache = new VerificationCache(30_000, 3, 5_000, clock);
    cache.setActive(true);
    return cache;
  };

  it('serves entries until the TTL or the key’s own expiry, whichever comes first', () => {
    const cache = fresh();
    cache.set('d1', key, now);
    cache.set('d2', { ...key, keyId: 'k2' }, now, now + 1000);
    now += 1001;
    expect(cache.get('d1')).toEqual(key);
    expect(cache.get('d2')).toBeUndefined();
    now += 30_000;
    expect(cache.get('d1')).toBeUndefined();
  });

  it('evicts by key and by user', () => {
    const cache = fresh();
    cache.set('d1', key, now);
    cache.set('s1', { instanceId: 'i', kind: 'session', userId: 'u1', scopes: [] }, now);
    cache.evictKey('k1');
    expect(cache.get('d1')).toBeUndefined();
    expect(cache.get('s1')).toBeDefined();
    cache.evictUser('u1');
    expect(cache.get('s1')).toBeUndefined();
  });

  it('evicts every credential of an instance whose plan changed, and no other instance’s', () => {
    const cache = fresh();
    cache.set('d1', key, now);
    cache.set('s1', { instanceId: 'i', kind: 'session', userId: 'u2', sessionId: 'sess-2', scopes: [] }, now);
    cache.set('o1', { ...key, instanceId: 'other', keyId: 'k9' }, now);
    cache.evictInstance('i');
    expect(cache.get('d1')).toBeUndefined();
    expect(cache.get('s1')).toBeUndefined();
    expect(cache.get('o1')).toBeDefined();
    // An answer verified before the change (old time zone) is not cached afterwards.
    cache.set('d1', key, now - 1);
    expect(cache.get('d1')).toBeUndefined();
  });

  it('evicts a signed-out session, and not the user’s other sessions or keys', () => {
    const cache = fresh();
    const session = (sessionId: string): Principal => ({ instanceId: 'i', kind: 'session', userId: 'u1', sessionId, scopes: [] });
    cache.set('d1', key, now);
    cache.set('s1', session('sess-1'), now);
    cache.set('s2', session('sess-2'), now);
    cache.evictSession('SESS-1');
    expect(cache.get('s1')).toBeUndefined();
    expect(cache.get('s2')).toBeDefined();
    expect(cache.get('d1')).toBeDefined();
    cache.set('s1', session('sess-1'), now); // an answer that was in flight when it was signed out
    expect(cache.get('s1')).toBeUndefined();
  });

  it('evicts an id however a caller spelled it', () => {
    const cache = fresh();
    cache.set('d1', key, now);
    cache.evictKey('K1');
    expect(cache.get('d1')).toBeUndefined();
  });

  it('does not cache an answer that was in flight when the key died, nor right after', () => {
    const cache = fresh();
    const started = now;
    now += 10;
    cache.evictKey('k1');
    now += 10;
    cache.set('d1', key, started);
    expect(cache.get('d1')).toBeUndefined();
    cache.set('d1', key, now);
    expect(cache.get('d1')).toBeUndefined();
    now += 5_001;
    cache.set('d1', key, now);
    expect(cache.get('d1')).toEqual(key);
  });

  it('caches nothing until eviction events can be heard, and stays bounded', () => {
    const cache = new VerificationCache(30_000, 2, 5_000, clock);
    cache.set('d1', key, now);
    expect(cache.get('d1')).toBeUndefined();
    cache.setActive(true);
    for (const d of ['a', 'b', 'c']) cache.set(d, { ...key, keyId: d }, now);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
  });

  it('counts an entry’s life from when its look-up began, however long keys took to answer', () => {
    const cache = fresh();
    const started = now;
    now += 20_000; // a slow keys service
    cache.set('d1', key, started);
    now += 10_000;
    expect(cache.get('d1')).toBeUndefined();
    cache.set('d2', { ...key, keyId: 'k2' }, now - 30_000); // vouched for a whole TTL ago: not worth keeping
    expect(cache.get('d2')).toBeUndefined();
  });

  it('does not cache an answer that was in flight when its credential was forgotten here, and caches a later one', () => {
    const cache = fresh();
    const session: Principal = { instanceId: 'i', kind: 'session', userId: 'u1', sessionId: 'sess-1', scopes: [] };
    const started = now;
    cache.set('s1', session, now);
    now += 10;
    cache.forget('s1'); // signed out while a look-up of it was on its way
    cache.set('s1', session, started);
    expect(cache.get('s1')).toBeUndefined();
    now += 10;
    cache.set('s1', session, now);
    expect(cache.get('s1')).toEqual(session);
  });

  it('tells when its entry was verified, and the credential’s own expiry', () => {
    const cache = fresh();
    cache.set('d1', key, now - 5, now + 60_000);
    cache.set('d2', { ...key, keyId: 'k2' }, now);
    expect(cache.standing('d1')).toEqual({ verifiedAt: now - 5, expiresAt: now + 60_000 });
    expect(cache.standing('d2')).toEqual({ verifiedAt: now });
    expect(cache.standing('unknown')).toBeUndefined();
  });

  it('keeps in its indexes no key, user, session or instance whose entries all expired or went', () => {
    const cache = new VerificationCache(30_000, 2, 5_000, clock);
    cache.setActive(true);
    const session = (n: number): Principal => ({ instanceId: `i${n}`, kind: 'session', userId: `u${n}`, sessionId: `s${n}`, scopes: [] });
    cache.set('d1', key, now);
    cache.forget('d1');
    for (let n = 0; n < 5; n++) cache.set(`s${n}`, session(n), now); // the first three pushed out by the bound
    expect(cache.indexedIds).toBe(6); // s3 and s4: a user, a session and an instance each
    now += 30_000;
    for (let n = 0; n < 5; n++) expect(cache.get(`s${n}`)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.indexedIds).toBe(0);
  });
});
