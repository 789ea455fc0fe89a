import { z } from 'zod';
import { databaseServiceSchema, port, secret } from '@tollgate/config';

export const keysConfigSchema = databaseServiceSchema.extend({
  PORT: port(8081),
  /** Keys are stored as HMAC-SHA-256(key, KEY_PEPPER); a short pepper would weaken every stored hash. */
  KEY_PEPPER: secret(32),
});

export type KeysConfig = z.infer<typeof keysConfigSchema>;
