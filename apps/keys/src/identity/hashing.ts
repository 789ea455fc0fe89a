import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { KEYS_CONFIG, type KeysConfig } from '../config/keys.config';

/** Keys and session tokens are stored only as HMAC-SHA-256 with the pepper; passwords with argon2id. */
@Injectable()
export class Hashing {
  private readonly pepper: Buffer;
  /** A hash no password matches, for logins of unknown users: see verifyPasswordOrNone. */
  private decoy?: Promise<string>;

  constructor(@Inject(KEYS_CONFIG) config: KeysConfig) {
    this.pepper = Buffer.from(config.KEY_PEPPER, 'utf8');
  }

  credential(credential: string): Buffer {
    return createHmac('sha256', this.pepper).update(credential).digest();
  }

  hashPassword(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  /**
   * Verifies a login's password against the user's hash, or, when there is no such user (or no
   * password), against a decoy hash, so that both take an argon2 verification's time: a login's
   * answer time does not tell which emails exist.
   */
  async verifyPasswordOrNone(hash: string | null | undefined, password: string): Promise<boolean> {
    if (hash) return this.verifyPassword(hash, password);
    this.decoy ??= this.hashPassword(randomBytes(32).toString('base64url'));
    await this.verifyPassword(await this.decoy, password);
    return false;
  }

  async verifyPassword(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }
}
