import type { EntityManager } from 'typeorm';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException, stableDigest } from '@tollgate/service-runtime';

/** How long a batch's Idempotency-Key answers with what the call it came with got (a PostgreSQL interval). */
export const IDEMPOTENCY_KEY_TTL = '24 hours';

export interface BatchClaim {
  instanceId: string;
  entity: string;
  key: string;
  /** What the call asks for: the same key with another body is no retry. */
  fingerprint: string;
}

/** The answer a call got: its status and body. */
export interface BatchAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** The same body, whatever the order of its objects' keys, is the same call. */
export function fingerprintOf(body: { async?: boolean; operations: unknown }): string {
  return stableDigest({ async: body.async === true, operations: body.operations });
}

/**
 * Claims the key inside the call's transaction: undefined when this call is the first with it
 * (within the day), else the answer the first one got. A second call with the key while the first
 * is still under way waits for it (the key's row is locked until the first commits): it then hears
 * its answer, or, when the first wrote nothing, is applied itself. Another body under the key is
 * a 409.
 */
async function claimIdempotencyKey(em: EntityManager, claim: BatchClaim): Promise<BatchAnswer | undefined> {
  const fresh: unknown[] = await em.query(
    `INSERT INTO batch_idempotency (instance_id, entity, idem_key, fingerprint) VALUES ($1, $2, $3, $4)
     ON CONFLICT (instance_id, entity, idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, answer = NULL, created_at = now()
       WHERE batch_idempotency.created_at < now() - interval '${IDEMPOTENCY_KEY_TTL}'
     RETURNING 1`,
    [claim.instanceId, claim.entity, claim.key, claim.fingerprint],
  );
  if (fresh.length) return undefined;
  const [earlier]: { fingerprint: string; answer: BatchAnswer | null }[] = await em.query(
    `SELECT fingerprint, answer FROM batch_idempotency WHERE instance_id = $1 AND entity = $2 AND idem_key = $3`,
    [claim.instanceId, claim.entity, claim.key],
  );
  if (!earlier || earlier.fingerprint !== claim.fingerprint || !earlier.answer) {
    throw new ApiException(
      ErrorCode.IdempotencyKeyReused,
      'This Idempotency-Key was used within 24 hours with another body; a new batch needs a new key',
    );
  }
  return earlier.answer;
}

/** Keeps the answer with the key, in the transaction that applied the call. */
async function rememberAnswer(em: EntityManager, claim: BatchClaim, answer: BatchAnswer): Promise<void> {
  await em.query(`UPDATE batch_idempotency SET answer = $4 WHERE instance_id = $1 AND entity = $2 AND idem_key = $3`, [
    claim.instanceId,
    claim.entity,
    claim.key,
    JSON.stringify(answer),
  ]);
}

/**
 * Runs `apply` once per key, in the caller's transaction: with a claim (an Idempotency-Key), a retry
 * hears the answer the first call got and nothing is applied again, and the answer `apply` gives
 * is kept with the key; without one, `apply` simply runs.
 */
export async function answerOnce(
  em: EntityManager,
  claim: BatchClaim | undefined,
  apply: () => Promise<BatchAnswer>,
): Promise<{ answer: BatchAnswer; replayed: boolean }> {
  const earlier = claim && (await claimIdempotencyKey(em, claim));
  if (earlier) return { answer: earlier, replayed: true };
  const answer = await apply();
  if (claim) await rememberAnswer(em, claim, answer);
  return { answer, replayed: false };
}

/** Forgets keys past their day, at most `limit` at a time; how many it forgot. */
export async function forgetExpiredIdempotencyKeys(em: EntityManager, limit = 5_000): Promise<number> {
  const [row]: { n: number }[] = await em.query(
    `WITH gone AS (DELETE FROM batch_idempotency WHERE ctid IN (
       SELECT ctid FROM batch_idempotency WHERE created_at < now() - interval '${IDEMPOTENCY_KEY_TTL}' LIMIT $1) RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [limit],
  );
  return row.n;
}
