import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { databaseServiceSchema, port, serviceUrl } from '@tollgate/config';

const ms = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

export const flowsConfigSchema = databaseServiceSchema.extend({
  PORT: port(8084),
  QUERY_URL: serviceUrl('http://127.0.0.1:8083'),
  CREDITS_URL: serviceUrl('http://127.0.0.1:8082'),
  KEYS_URL: serviceUrl('http://127.0.0.1:8081'),
  /** Public address used in the trigger and poll URLs returned with a flow (a path is kept: behind a proxy, the gateway may answer under one). */
  GATEWAY_URL: z.string().url().default('http://127.0.0.1:8080'),
  /** Sync flows without a `timeout` parameter or `timeoutMs` of their own. */
  FLOWS_DEFAULT_SYNC_TIMEOUT_MS: ms(60_000),
  /** How long an async trigger waits for its run before answering 202 with the process id, when neither the URL nor the flow says. */
  FLOWS_DEFAULT_ASYNC_WAIT_MS: ms(500, 0),
  /** Upper bound for how long a caller waits (any `timeout` or `timeoutMs`, either mode); the gateway's FLOWS_TRIGGER_TIMEOUT_MS exceeds it. */
  FLOWS_MAX_TIMEOUT_MS: ms(600_000),
  /** Async runs are aborted after this long, however long their caller waited. */
  FLOWS_ASYNC_RUN_MAX_MS: ms(3_600_000),
  /** A running run whose owner stops renewing its lease is resumed by another (or the restarted) process. */
  FLOWS_RUN_LEASE_MS: ms(15_000, 200),
  /** How often an interrupted async run is started again before it is marked failed. */
  FLOWS_RESUME_ATTEMPTS: z.coerce.number().int().min(0).default(1),
  /** Comma-separated hosts, host:port pairs or CIDR ranges the `http` step may reach although private. */
  FLOWS_HTTP_ALLOWLIST: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean))
    // A range the policy cannot read would be taken for a host name and match nothing.
    .refine((entries) => entries.every((e) => !e.includes('/') || ipaddr.isValidCIDR(e)), (entries) => ({
      message: `${entries.filter((e) => e.includes('/') && !ipaddr.isValidCIDR(e)).join(', ')}: not a CIDR range (entries are hosts, host:port pairs or CIDR ranges)`,
    })),
  FLOWS_HTTP_TIMEOUT_MS: ms(10_000),
  FLOWS_HTTP_MAX_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** Group memberships are read from the keys service and kept this long. */
  FLOWS_GROUP_CACHE_MS: ms(2_000, 0),
  FLOWS_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  /** Runs one instance may have under way at once in a process (429 `rate_limited` beyond it); resumed runs always continue. */
  FLOWS_RUNS_PER_INSTANCE: z.coerce.number().int().min(1).default(32),
  /** Processes that evaluate flows' JSONata expressions, apart from the service (see ExpressionSandbox). */
  FLOWS_EXPRESSION_PROCESSES: z.coerce.number().int().min(1).default(2),
  /** The heap each expression process may use: an expression that needs more fails instead of taking the service down. */
  FLOWS_EXPRESSION_MEMORY_MB: z.coerce.number().int().min(32).default(256),
  /** An expression process that answers nothing this long is stuck in one step (a built-in function given a huge input) and is ended. */
  FLOWS_EXPRESSION_STEP_LIMIT_MS: ms(10_000, 100),
  /** The most one expression's values (all records' of a per-record one) may come to as JSON: what the service receives of it. */
  FLOWS_EXPRESSION_MAX_VALUE_MB: z.coerce.number().int().min(1).default(32),
  /** The most one run may keep as JSON (its steps' results, outputs and messages together): a run that would keep more fails. */
  FLOWS_RUN_MAX_MB: z.coerce.number().int().min(1).default(64),
});

export type FlowsConfig = z.infer<typeof flowsConfigSchema>;
export const FLOWS_CONFIG = Symbol('FLOWS_CONFIG');
