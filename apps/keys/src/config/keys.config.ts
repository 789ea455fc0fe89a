import { z } from 'zod';
import { databaseServiceSchema, port, secret } from '@tollgate/config';

export const keysConfigSchema = databaseServiceSchema.extend({
  PORT: port(8081),
  /** Keys are stored as HMAC-SHA-256(key, KEY_PEPPER); a short pepper would weaken every stored hash. */
  KEY_PEPPER: secret(32),
  /** How long a console session lasts after login. */
  SESSION_TTL_MINUTES: z.coerce.number().int().min(1).default(12 * 60),
  /** How often keys past their expiry are deactivated (KeyDeactivated, reason `expired`). */
  KEY_EXPIRY_SWEEP_MS: z.coerce.number().int().min(100).default(30_000),
  /** Failed console logins to one account from one client before its logins from there are refused (429), within the window. */
  LOGIN_FAILURE_LIMIT: z.coerce.number().int().min(1).default(10),
  LOGIN_FAILURE_WINDOW_S: z.coerce.number().int().min(1).default(900),
});

export type KeysConfig = z.infer<typeof keysConfigSchema>;
export const KEYS_CONFIG = Symbol('KEYS_CONFIG');
