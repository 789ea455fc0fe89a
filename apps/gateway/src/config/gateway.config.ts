import { z } from 'zod';
import { port, secret, serviceBaseSchema } from '@tollgate/config';

const serviceUrl = (fallback: string) => z.string().url().default(fallback);

export const gatewayConfigSchema = serviceBaseSchema.extend({
  PORT: port(8080),
  OPERATOR_TOKEN: secret(16),
  KEYS_URL: serviceUrl('http://127.0.0.1:8081'),
  CREDITS_URL: serviceUrl('http://127.0.0.1:8082'),
  QUERY_URL: serviceUrl('http://127.0.0.1:8083'),
  FLOWS_URL: serviceUrl('http://127.0.0.1:8084'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  /** Downstream calls that take longer are answered 504 (and refunded). */
  DOWNSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
