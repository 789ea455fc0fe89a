import { z } from 'zod';

/** Building blocks shared by every service's configuration schema. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const secret = (minBytes: number) =>
  z
    .string({ required_error: 'is required' })
    .refine((value) => Buffer.byteLength(value, 'utf8') >= minBytes, {
      message: `must be at least ${minBytes} bytes`,
    });

export const brokers = z
  .string({ required_error: 'is required (comma-separated host:port list)' })
  .transform((value) => value.split(',').map((b) => b.trim()).filter(Boolean))
  .refine((list) => list.length > 0 && list.every((b) => /^[^:\s]+:\d+$/.test(b)), {
    message: 'must be a comma-separated list of host:port',
  });

export const postgresUrl = z
  .string({ required_error: 'is required' })
  .refine((value) => /^postgres(ql)?:\/\//.test(value), { message: 'must be a postgres:// URL' });

/**
 * Where another service answers: an http(s) origin, as `http://keys:8081`. A trailing `/` is
 * dropped; a path is refused, since clients append theirs to the origin (`http://keys:8081/api`
 * would silently lose `/api`, and `…8081/` would ask for `//health/ready`).
 */
export const serviceUrl = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .superRefine((value, ctx) => {
      const url = URL.canParse(value) ? new URL(value) : undefined;
      if (!url || !/^https?:$/.test(url.protocol)) ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
      else if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
        ctx.addIssue({ code: 'custom', message: `must be the service's origin alone (${url.origin}), without a path, query or credentials` });
    })
    .transform((value) => new URL(value).origin);

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** Variables every Tollgate service process reads. */
export const serviceBaseSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: logLevel,
  INTERNAL_SECRET: secret(32),
  KAFKA_BROKERS: brokers,
  // Under a second, a stop would end before the outbox and the key usage are handed on.
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(1000, 'must be at least 1000 (ms)').default(10_000),
  /** When set, GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` (set it where the port is reachable from outside: the gateway). */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
});

/** Services that own a database. */
export const databaseServiceSchema = serviceBaseSchema.extend({
  DATABASE_URL: postgresUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Pause between outbox probes while events keep coming (lets them leave in batches). */
  OUTBOX_POLL_MS: z.coerce.number().int().min(1).default(20),
  /** Longest pause between probes of an empty outbox; commits in the process wake the relay at once. */
  OUTBOX_IDLE_POLL_MS: z.coerce.number().int().min(1).default(100),
});

export type ServiceBaseConfig = z.infer<typeof serviceBaseSchema>;
export type DatabaseServiceConfig = z.infer<typeof databaseServiceSchema>;
