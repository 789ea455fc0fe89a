import { hash, randomBytes } from 'node:crypto';

/**
 * Shape of Tollgate credentials, shared by the service that issues them and the gateway that
 * checks them: `tg_` + 43 base62 characters of randomness (256 bits) + a 6-character checksum +
 * one kind letter. API keys end in `p` (personal), `o` (organization) or `d` (data); console
 * session tokens start with `tgs_` and carry no kind letter. The checksum lets a mistyped or
 * truncated credential be refused without a database look-up.
 */
export type CredentialKind = 'personal' | 'organization' | 'data' | 'session';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const SUFFIX: Record<Exclude<CredentialKind, 'session'>, string> = { personal: 'p', organization: 'o', data: 'd' };
const KEY_PATTERN = /^tg_([0-9A-Za-z]{43})([0-9A-Za-z]{6})([pod])$/;
const SESSION_PATTERN = /^tgs_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

function base62(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

/** The first 32 bits of SHA-256(prefix + random) in base62 (62^6 > 2^32: nothing is cut off). */
function checksum(prefix: string, random: string): string {
  let value = hash('sha256', prefix + random, 'buffer').readUInt32BE(0);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function generateCredential(kind: CredentialKind): string {
  const random = base62(BigInt('0x' + randomBytes(32).toString('hex')), RANDOM_LENGTH);
  if (kind === 'session') return `tgs_${random}${checksum('tgs_', random)}`;
  const suffix = SUFFIX[kind];
  return `tg_${random}${checksum(`tg_${suffix}`, random)}${suffix}`;
}

/** The kind of a well-formed credential with a correct checksum; undefined for anything else. */
export function parseCredential(credential: string): CredentialKind | undefined {
  if (credential.length > 60) return undefined;
  const key = KEY_PATTERN.exec(credential);
  if (key) {
    const [, random, sum, suffix] = key;
    if (checksum(`tg_${suffix}`, random) !== sum) return undefined;
    return suffix === 'p' ? 'personal' : suffix === 'o' ? 'organization' : 'data';
  }
  const session = SESSION_PATTERN.exec(credential);
  if (session && checksum('tgs_', session[1]) === session[2]) return 'session';
  return undefined;
}

/** What listings show of a key: enough to recognise it, far too little to use it. */
export function credentialPrefix(credential: string): string {
  return `${credential.slice(0, 9)}…${credential.slice(-1)}`;
}
