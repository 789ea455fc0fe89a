import { z } from 'zod';
import { databaseServiceSchema, port } from '@tollgate/config';

export const flowsConfigSchema = databaseServiceSchema.extend({
  PORT: port(8084),
});

export type FlowsConfig = z.infer<typeof flowsConfigSchema>;
