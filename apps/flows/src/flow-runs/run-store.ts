import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPrepared } from '@tollgate/event-sourcing';
import type { FlowInput, RunFailure, RunMessage, RunResult } from './run-message';

export interface RunRecord {
  processId: string;
  instanceId: string;
  flowId: string;
  startedBy: string;
  status: 'running' | 'success' | 'failed' | 'aborted';
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  reason?: string;
  mode: 'sync' | 'async';
  timeoutMs: number;
  result?: RunResult;
  failure?: RunFailure;
  messages: RunMessage[];
}

export interface ClaimedRun {
  processId: string;
  instanceId: string;
  flowId: string;
  startedBy: string;
  mode: 'sync' | 'async';
  input: FlowInput;
  timeoutMs: number;
  startedAt: Date;
  attempts: number;
}

/** A JSON escape: an escaped backslash (kept), the NUL character, or a lone UTF-16 surrogate. */
const ESCAPES_JSONB_REFUSES = /\\(\\|u0000|ud[89a-f][0-9a-f]{2})/gi;

/**
 * The value as JSON that PostgreSQL's jsonb accepts. A flow can produce the NUL character or a
 * lone surrogate (`$base64decode("AA==")`, an http step's answer), which jsonb refuses: they are
 * kept as U+FFFD, so that a run's input, outcome and console are always recorded.
 */
export function storableJson(value: unknown): string {
  return JSON.stringify(value).replace(ESCAPES_JSONB_REFUSES, (escape, what: string) => (what === '\\' ? escape : '\\ufffd'));
}

/** The value as the run store will give it back (see storableJson). */
export const storable = <T>(value: T): T => JSON.parse(storableJson(value)) as T;

/** How long a trigger's Idempotency-Key answers with the run it started (a PostgreSQL interval). */
export const IDEMPOTENCY_KEY_TTL = '24 hours';

const SELECT_RUN = `
  SELECT r.process_id, r.instance_id, r.flow_id, r.started_by, r.status, r.started_at, r.finished_at, r.duration_ms,
         r.reason, d.mode, d.timeout_ms, d.result, d.failure, d.messages
    FROM flow_runs r JOIN run_details d ON d.process_id = r.process_id`;

function toRecord(r: Record<string, any>): RunRecord {
  return {
    processId: r.process_id,
    instanceId: r.instance_id,
    flowId: r.flow_id,
    startedBy: r.started_by,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    ...(r.finished_at ? { finishedAt: r.finished_at.toISOString(), durationMs: r.duration_ms } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    mode: r.mode,
    timeoutMs: r.timeout_ms,
    ...(r.result ? { result: r.result } : {}),
    ...(r.failure ? { failure: r.failure } : {}),
    messages: r.messages,
  };
}

/**
 * What runs keep beside their events: inputs (to resume), results, console messages, idempotency
 * keys, and the lease that says which process is executing a run right now.
 */
/** The owner of a run given back unclaimed: no process is, so every one may claim it. */
const RELEASED = 'released';

@Injectable()
export class RunStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The process that already answers to this caller's key (within IDEMPOTENCY_KEY_TTL), with the
   * fingerprint of the request that claimed it (none for keys claimed before fingerprints were
   * kept), or undefined after claiming it for `processId`. Keys are the caller's own: another
   * caller's same key is another run. WARNING: the stored key is `<caller> <key>` (keys have no
   * spaces); changing that forgets the keys of the last day.
   */
  async claimIdempotencyKey(
    em: EntityManager,
    claim: { instanceId: string; flowId: string; caller: string; idempotencyKey: string; processId: string; fingerprint: string },
  ): Promise<{ processId: string; fingerprint?: string } | undefined> {
    const key = `${claim.caller} ${claim.idempotencyKey}`;
    const claimed: unknown[] = await em.query(
      `INSERT INTO run_idempotency (instance_id, flow_id, idem_key, process_id, fingerprint) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (instance_id, flow_id, idem_key) DO UPDATE SET process_id = excluded.process_id, fingerprint = excluded.fingerprint, created_at = now()
         WHERE run_idempotency.created_at < now() - interval '${IDEMPOTENCY_KEY_TTL}'
       RETURNING process_id`,
      [claim.instanceId, claim.flowId, key, claim.processId, claim.fingerprint],
    );
    if (claimed.length) return undefined;
    const rows: { process_id: string; fingerprint: string | null }[] = await em.query(
      `SELECT process_id, fingerprint FROM run_idempotency WHERE instance_id = $1 AND flow_id = $2 AND idem_key = $3`,
      [claim.instanceId, claim.flowId, key],
    );
    if (!rows[0]) return undefined;
    return { processId: rows[0].process_id, ...(rows[0].fingerprint ? { fingerprint: rows[0].fingerprint } : {}) };
  }

  /**
   * Lets go of the idempotency key that answers with this run, for a run the platform ended (a
   * restart or a stop), not its flow: the caller's retry with the key then starts the work again
   * instead of being given that failure for a day.
   */
  async releaseIdempotencyKeyOf(instanceId: string, flowId: string, processId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM run_idempotency WHERE instance_id = $1 AND flow_id = $2 AND process_id = $3`, [instanceId, flowId, processId]);
  }

  /**
   * Forgets idempotency keys past their day, at most `limit` at a time; how many it forgot. A key
   * that is used again after that starts a new run anyway: without this the table would keep
   * every key a client ever sent.
   */
  async forgetExpiredIdempotencyKeys(limit = 5_000): Promise<number> {
    const [, count] = await this.dataSource.query(
      `DELETE FROM run_idempotency WHERE ctid IN (
         SELECT ctid FROM run_idempotency WHERE created_at < now() - interval '${IDEMPOTENCY_KEY_TTL}' LIMIT $1)`,
      [limit],
    );
    return count as number;
  }

  async create(
    em: EntityManager,
    run: { processId: string; instanceId: string; mode: string; input: FlowInput; timeoutMs: number; owner: string; leaseMs: number; messages: RunMessage[] },
  ): Promise<void> {
    await queryPrepared(
      em,
      `INSERT INTO run_details (process_id, instance_id, mode, input, timeout_ms, owner, lease_until, messages)
       VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp() + ($7 || ' milliseconds')::interval, $8)`,
      [run.processId, run.instanceId, run.mode, storableJson(run.input), run.timeoutMs, run.owner, String(run.leaseMs), storableJson(run.messages)],
    );
  }

  async finish(em: EntityManager, processId: string, outcome: { result?: RunResult; failure?: RunFailure; messages: RunMessage[] }): Promise<void> {
    await queryPrepared(
      em,
      `UPDATE run_details SET result = $2, failure = $3, messages = $4, owner = NULL, lease_until = NULL WHERE process_id = $1`,
      [processId, outcome.result ? storableJson(outcome.result) : null, outcome.failure ? storableJson(outcome.failure) : null, storableJson(outcome.messages)],
    );
  }

  async saveMessages(processId: string, messages: RunMessage[]): Promise<void> {
    await this.dataSource.query(`UPDATE run_details SET messages = $2 WHERE process_id = $1`, [processId, storableJson(messages)]);
  }

  /** Adds messages to those saved (see saveMessages): what is written is only these. */
  async appendMessages(processId: string, messages: RunMessage[]): Promise<void> {
    await this.dataSource.query(`UPDATE run_details SET messages = messages || $2::jsonb WHERE process_id = $1`, [processId, storableJson(messages)]);
  }

  async get(instanceId: string, processId: string): Promise<RunRecord | undefined> {
    const rows = await queryPrepared<Record<string, any>>(this.dataSource, `${SELECT_RUN} WHERE r.instance_id = $1 AND r.process_id = $2`, [instanceId, processId]);
    return rows[0] && toRecord(rows[0]);
  }

  /**
   * A flow's runs, most recent first (ties by process id, so that pages neither repeat nor skip
   * one); undefined when `before` is not one of the flow's runs.
   */
  async listForFlow(instanceId: string, flowId: string, page: { limit: number; status?: string; before?: string }): Promise<RunRecord[] | undefined> {
    if (page.before !== undefined) {
      const cursor = await this.dataSource.query(`SELECT 1 FROM flow_runs WHERE instance_id = $1 AND flow_id = $2 AND process_id = $3`, [instanceId, flowId, page.before]);
      if (!cursor.length) return undefined;
    }
    const rows = await this.dataSource.query(
      `${SELECT_RUN} WHERE r.instance_id = $1 AND r.flow_id = $2 AND ($3::text IS NULL OR r.status = $3)
          AND ($4::text IS NULL OR (r.started_at, r.process_id) < (SELECT started_at, process_id FROM flow_runs WHERE process_id = $4))
        ORDER BY r.started_at DESC, r.process_id DESC LIMIT $5`,
      [instanceId, flowId, page.status ?? null, page.before ?? null, page.limit],
    );
    return rows.map(toRecord);
  }

  async renewLeases(owner: string, leaseMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE run_details SET lease_until = clock_timestamp() + ($2 || ' milliseconds')::interval WHERE owner = $1`,
      [owner, String(leaseMs)],
    );
  }

  /** On a graceful stop: the runs this process holds become claimable at once. */
  async releaseLeases(owner: string): Promise<void> {
    await this.dataSource.query(`UPDATE run_details SET lease_until = clock_timestamp() WHERE owner = $1`, [owner]);
  }

  /**
   * Gives back a run this process claimed and could not take over (the database failed it while
   * the run was read): claimable at once, by any process, this one too, and the claim not counted
   * as an attempt. Kept, it would stay `running` for as long as this process renews its leases.
   */
  async releaseClaim(owner: string, processId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE run_details SET owner = $3, lease_until = clock_timestamp(), attempts = attempts - 1 WHERE process_id = $2 AND owner = $1`,
      [owner, processId, RELEASED],
    );
  }

  /** Takes over running runs whose owner stopped renewing its lease (a crashed or stopped process). */
  async claimAbandoned(owner: string, leaseMs: number, limit = 20): Promise<ClaimedRun[]> {
    const rows = await this.dataSource.query(
      `UPDATE run_details d SET owner = $1, lease_until = clock_timestamp() + ($2 || ' milliseconds')::interval,
              attempts = d.attempts + 1
         FROM flow_runs r
        WHERE r.process_id = d.process_id AND r.status = 'running' AND d.process_id IN (
              SELECT process_id FROM run_details WHERE owner IS NOT NULL AND owner <> $1 AND lease_until < clock_timestamp()
               ORDER BY lease_until LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING d.process_id, d.instance_id, r.flow_id, r.started_by, d.mode, d.input, d.timeout_ms, r.started_at, d.attempts`,
      [owner, String(leaseMs), limit],
    );
    return (rows[0] ?? []).map((r: Record<string, any>) => ({
      processId: r.process_id,
      instanceId: r.instance_id,
      flowId: r.flow_id,
      startedBy: r.started_by,
      mode: r.mode,
      input: r.input,
      timeoutMs: r.timeout_ms,
      startedAt: r.started_at,
      attempts: r.attempts,
    }));
  }
}
