import { z } from 'zod';
import { databaseServiceSchema, port } from '@tollgate/config';

export const creditsConfigSchema = databaseServiceSchema.extend({
  PORT: port(8082),
  /** How often pools past their local midnight are looked for (0: only on use). Bounds an idle pool's reset delay. */
  RESET_SCAN_MS: z.coerce.number().int().min(0).default(1_000),
});

export type CreditsConfig = z.infer<typeof creditsConfigSchema>;
export const CREDITS_CONFIG = Symbol('CREDITS_CONFIG');
