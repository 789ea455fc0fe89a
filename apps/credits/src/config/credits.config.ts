import { z } from 'zod';
import { databaseServiceSchema, port } from '@tollgate/config';

export const creditsConfigSchema = databaseServiceSchema.extend({
  PORT: port(8082),
});

export type CreditsConfig = z.infer<typeof creditsConfigSchema>;
