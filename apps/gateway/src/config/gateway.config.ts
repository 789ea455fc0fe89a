import { z } from 'zod';
import { port, secret, serviceBaseSchema, serviceUrl } from '@tollgate/config';
import { corsOrigins } from '../cors/cors-origins.schema';
import { trustProxy } from './trust-proxy.schema';


export const gatewayConfigSchema = serviceBaseSchema.extend({
  PORT: port(8080),
  OPERATOR_TOKEN: secret(16),
  KEYS_URL: serviceUrl('http://127.0.0.1:8081'),
  CREDITS_URL: serviceUrl('http://127.0.0.1:8082'),
  QUERY_URL: serviceUrl('http://127.0.0.1:8083'),
  FLOWS_URL: serviceUrl('http://127.0.0.1:8084'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  /**
   * The query service's time limit for a query (its own QUERY_TIMEOUT_MS: give both the same). A
   * `timeout` above it is refused before charging; the query service would refuse it too.
   */
  QUERY_TIMEOUT_MS: z.coerce.number().int().min(1).default(25_000),
  /**
   * The query service's own QUERY_STREAM_STALL_MS (give both the same): it ends a streamed answer
   * nobody reads for that long. The gateway hangs up sooner, at two thirds of it, on a client that
   * stops reading, so that the service's ending is never taken for a failure of its own (refunded).
   */
  QUERY_STREAM_STALL_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Downstream calls that take longer are answered 504 (and refunded). */
  DOWNSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** A verified credential is trusted this long without asking keys again; events evict sooner. */
  AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(300_000).default(30_000),
  AUTH_CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).default(50_000),
  /** Failed authentications one address may make per window before it gets 429. */
  AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).default(100),
  AUTH_FAILURE_WINDOW_S: z.coerce.number().int().min(1).default(60),
  /** Load balancers whose X-Forwarded-For names the client (see `trustProxy`). */
  TRUST_PROXY: trustProxy,
  /** Key use is reported to keys (KeyUsed) at most this often per key. */
  KEY_USAGE_FLUSH_MS: z.coerce.number().int().min(100).default(2_000),
  /** Debit and refund calls to credits give up after this long (the debit is retried once). */
  CREDITS_DEBIT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** Concurrent debits of one instance leave in one call of at most this many. */
  CREDITS_DEBIT_MAX_BATCH: z.coerce.number().int().min(1).max(5_000).default(500),
  CREDITS_DEBIT_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(2),
  /**
   * While a batch is in flight, a new one waits up to this long for more debits to join it: fewer,
   * larger calls under load. With nothing in flight a debit leaves at once.
   */
  CREDITS_DEBIT_LINGER_MS: z.coerce.number().int().min(0).max(50).default(5),
  /**
   * The gateway follows credit events only while a console shows a live balance, and for this long
   * after the last one closed (so a reloaded console does not rejoin Kafka).
   */
  BALANCE_FEED_LINGER_MS: z.coerce.number().int().min(0).default(60_000),
  /** An open balance stream gets a comment line this often, so idle proxies (nginx: 60 s) keep it. */
  BALANCE_STREAM_KEEPALIVE_MS: z.coerce.number().int().min(1_000).default(15_000),
  /** Flow triggers: the flows service enforces each run's own timeout; this only bounds the wait. */
  FLOWS_TRIGGER_TIMEOUT_MS: z.coerce.number().int().min(1000).default(615_000),
  /** Web origins whose pages may call the API from a browser (see `allowCrossOrigin`). */
  CORS_ORIGINS: corsOrigins,
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
