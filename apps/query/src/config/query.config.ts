import { z } from 'zod';
import { databaseServiceSchema, port } from '@tollgate/config';

export const queryConfigSchema = databaseServiceSchema.extend({
  PORT: port(8083),
});

export type QueryConfig = z.infer<typeof queryConfigSchema>;
