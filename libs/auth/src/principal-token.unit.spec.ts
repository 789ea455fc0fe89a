import type { Principal } from './principal';
import { PrincipalTokens } from './principal-token';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const alice: Principal = { instanceId: 'acme', kind: 'personal', keyId: 'k1', userId: 'u1', scopes: ['query'], requestId: 'req_1' };

describe('PrincipalTokens', () => {
  afterEach(() => jest.useRealTimers());

  it('carries who is calling, not which request: the request id travels in its own header', async () => {
    const tokens = new PrincipalTokens(SECRET);
    const verified = await tokens.verify(await tokens.tokenFor(alice));
    expect(verified).toEqual({ instanceId: 'acme', kind: 'personal', keyId: 'k1', userId: 'u1', scopes: ['query'] });
  });

  it('hands one caller the same token for half its lifetime, then a fresh one; other callers get their own', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const tokens = new PrincipalTokens(SECRET, 60);
    const first = await tokens.tokenFor(alice);
    expect(await tokens.tokenFor({ ...alice, requestId: 'req_2' })).toBe(first);
    expect(await tokens.tokenFor({ ...alice, keyId: 'k2' })).not.toBe(first);
    expect(await tokens.tokenFor({ ...alice, scopes: ['query', 'ingest'] })).not.toBe(first);

    jest.setSystemTime(new Date('2026-11-25T12:00:29Z'));
    expect(await tokens.tokenFor(alice)).toBe(first);
    jest.setSystemTime(new Date('2026-11-25T12:00:31Z'));
    const second = await tokens.tokenFor(alice);
    expect(second).not.toBe(first);
    expect(await tokens.verify(second)).toMatchObject({ keyId: 'k1' });
  });

  it('stops accepting a token it verified before once the token has expired', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const tokens = new PrincipalTokens(SECRET, 60);
    const token = await tokens.sign(alice);
    expect(await tokens.verify(token)).toMatchObject({ instanceId: 'acme' });
    jest.setSystemTime(new Date('2026-11-25T12:00:59Z'));
    expect(await tokens.verify(token)).toMatchObject({ instanceId: 'acme' });
    jest.setSystemTime(new Date('2026-11-25T12:01:01Z'));
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('refuses forged and tampered tokens, also after verifying the genuine one', async () => {
    const tokens = new PrincipalTokens(SECRET);
    const token = await tokens.sign(alice);
    await tokens.verify(token);
    const forged = await new PrincipalTokens('another-secret-of-at-least-32-bytes!').sign({ ...alice, kind: 'operator' });
    expect(await tokens.verify(forged)).toBeUndefined();
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ p: { ...alice, kind: 'operator' } })).toString('base64url');
    expect(await tokens.verify(`${header}.${payload}.${signature}`)).toBeUndefined();
    expect(await tokens.verify(undefined)).toBeUndefined();
  });

  it('hands out verified principals that callers cannot alter for the next request', async () => {
    const tokens = new PrincipalTokens(SECRET);
    const token = await tokens.sign(alice);
    const once = (await tokens.verify(token)) as Principal;
    expect(() => {
      (once as { kind: string }).kind = 'operator';
    }).toThrow(TypeError);
    expect(() => once.scopes.push('admin')).toThrow(TypeError);
    expect(await tokens.verify(token)).toMatchObject({ kind: 'personal', scopes: ['query'] });
  });
});
