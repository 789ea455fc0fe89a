import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { KEYS_CONFIG, type KeysConfig } from '../config/keys.config';

/** Keys and session tokens are stored only as HMAC-SHA-256 with the pepper; passwords with argon2id. */
@Injectable()
export class Hashing {
  private readonly pepper: Buffer;

  constructor(@Inject(KEYS_CONFIG) config: KeysConfig) {
    this.pepper = Buffer.from(config.KEY_PEPPER, 'utf8');
  }

  credential(credential: string): Buffer {
    return createHmac('sha256', this.pepper).update(credential).digest();
  }

  hashPassword(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async verifyPassword(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }
}
