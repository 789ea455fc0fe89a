import { credentialPrefix, generateCredential, parseCredential } from './credential-format';

describe('credential format', () => {
  it.each(['personal', 'organization', 'data', 'session'] as const)('round-trips a %s credential', (kind) => {
    const credential = generateCredential(kind);
    expect(parseCredential(credential)).toBe(kind);
    expect(generateCredential(kind)).not.toBe(credential);
  });

  it('still accepts credentials issued by earlier releases', () => {
    // Issued before the checksum was computed without BigInt: the same checksum, character for character.
    expect(parseCredential('tg_xpLjJCHRNlo1ApmEq66pX51xlc5XaFvrapakqjmJfaK2w5PZmo')).toBe('organization');
    expect(parseCredential('tg_bQTIDp0L8GPi1jVtqHbAoJc9wN7YawP0G9n7RhIu2mi4PwpnUp')).toBe('personal');
    expect(parseCredential('tgs_HpOIE87hhSCX9qbrMmRi6hbYhIWS9TvuQ5LE8eKsVEM1GS9Es')).toBe('session');
  });

  it('ends keys with their kind letter', () => {
    expect(generateCredential('personal')).toMatch(/^tg_[0-9A-Za-z]{49}p$/);
    expect(generateCredential('organization')).toMatch(/o$/);
    expect(generateCredential('data')).toMatch(/d$/);
    expect(generateCredential('session')).toMatch(/^tgs_/);
  });

  it('rejects mistyped, truncated, re-suffixed and foreign strings without any look-up', () => {
    const key = generateCredential('organization');
    const typo = key.slice(0, 20) + (key[20] === 'x' ? 'y' : 'x') + key.slice(21);
    expect(parseCredential(typo)).toBeUndefined();
    expect(parseCredential(key.slice(0, -1))).toBeUndefined();
    expect(parseCredential(key.slice(0, -1) + 'p')).toBeUndefined();
    expect(parseCredential(`${key}x`)).toBeUndefined();
    expect(parseCredential('')).toBeUndefined();
    expect(parseCredential('Bearer something')).toBeUndefined();
  });

  it('shows a prefix that identifies but cannot authenticate', () => {
    const key = generateCredential('personal');
    expect(credentialPrefix(key)).toBe(`${key.slice(0, 9)}…p`);
    expect(parseCredential(credentialPrefix(key))).toBeUndefined();
  });
});
