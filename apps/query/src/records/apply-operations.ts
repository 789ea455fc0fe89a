import type { DataSource, EntityManager } from 'typeorm';
import { ErrorCode, RecordsChanged, RecordsChangedPart, type EventEnvelope } from '@tollgate/contracts';
import { isUniqueViolation, noticeEnvelope, writeOutbox } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';
import { entityTypeStreamId } from '../entity-types/entity-type';
import { beforeDeadline } from './batch-deadline';
import { ChangedKeys, keyParts } from './changed-keys';
import type { RecordRow, ValidOperation } from './record-row';

export interface BatchCounts {
  inserted: number;
  updated: number;
  deleted: number;
}

const CHUNK = 5000;
/** Rows an error names at most (validation's own limit too). */
const MAX_ERRORS = 50;

const ROWSET = `jsonb_to_recordset($3::jsonb) AS r(pk text, id text, title text, created_at timestamptz,
  updated_at timestamptz, fields jsonb, responsibilities jsonb, has_title boolean, has_resp boolean)`;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function toJson(rows: RecordRow[], now: string): string {
  return JSON.stringify(
    rows.map((r) => ({
      pk: r.pk,
      id: r.id,
      title: r.title,
      created_at: r.created_at ?? now,
      updated_at: r.updated_at ?? now,
      fields: r.fields,
      responsibilities: r.responsibilities,
      has_title: r.has.title,
      has_resp: r.has.responsibilities,
    })),
  );
}

const USERS_OF = (col: string) =>
  `coalesce(ARRAY(SELECT DISTINCT x->>'userId' FROM jsonb_array_elements(coalesce(${col}, '[]'::jsonb)) x), '{}')`;

async function insert(
  em: EntityManager,
  target: { instanceId: string; entity: string; primaryKey: string },
  rows: RecordRow[],
  at: number,
  now: string,
  changed: ChangedKeys,
) {
  const { instanceId, entity } = target;
  let inserted = 0;
  let offset = 0;
  for (const chunk of chunks(rows)) {
    const written: { pk: string }[] = await em.query(
      `INSERT INTO records (instance_id, entity, pk, id, title, created_at, updated_at, fields, responsibilities, responsible_users)
       SELECT $1, $2, r.pk, r.id, coalesce(r.title, ''), r.created_at, r.updated_at, r.fields, r.responsibilities,
              ${USERS_OF('r.responsibilities')}
         FROM ${ROWSET}
       ON CONFLICT (instance_id, entity, pk) DO NOTHING RETURNING pk`,
      [instanceId, entity, toJson(chunk, now)],
    );
    if (written.length !== chunk.length) await refuseExistingKeys(em, target, at, rows.slice(offset), offset, written);
    for (const w of written) changed.created(w.pk);
    inserted += written.length;
    offset += chunk.length;
  }
  return inserted;
}

/**
 * An insert met keys that exist: names the rows that hold them (the first MAX_ERRORS) and says how
 * many there are, from the chunk that met one on (earlier chunks were all new), so that a loader
 * learns at once which rows to send as insertOrUpdate. The chunk's own new rows, just written,
 * are not counted.
 */
async function refuseExistingKeys(
  em: EntityManager,
  target: { instanceId: string; entity: string; primaryKey: string },
  at: number,
  rest: RecordRow[],
  offset: number,
  written: { pk: string }[],
): Promise<never> {
  const taken: { j: number; pk: string; total: number }[] = await em.query(
    `SELECT g.j, g.pk, count(*) OVER ()::int AS total
       FROM jsonb_to_recordset($3::jsonb) AS g(j int, pk text)
       JOIN records t ON t.instance_id = $1 AND t.entity = $2 AND t.pk = g.pk
      WHERE NOT g.pk = ANY($4::text[])
      ORDER BY g.j LIMIT ${MAX_ERRORS}`,
    [target.instanceId, target.entity, JSON.stringify(rest.map((r, j) => ({ j: offset + j, pk: r.pk }))), written.map((w) => w.pk)],
  );
  const total = taken[0]?.total ?? 0;
  throw ApiException.validation(
    taken.map((t) => ({ field: `operations.${at}.rows.${t.j}.${target.primaryKey}`, message: `a record with primary key ${t.pk} already exists` })),
    total > taken.length ? `Duplicate primary key: ${total} rows, the first ${taken.length} listed` : 'Duplicate primary key',
  );
}

/**
 * One row per key, as if the rows were applied one after another (one statement may not touch a
 * row twice): what a later row gives replaces what an earlier one gave, fields one by one, and
 * what it leaves out stays.
 */
export function mergeByKey(rows: RecordRow[]): RecordRow[] {
  const merged = new Map<string, RecordRow>();
  for (const row of rows) {
    const earlier = merged.get(row.pk);
    if (!earlier) {
      merged.set(row.pk, row);
      continue;
    }
    merged.set(row.pk, {
      pk: row.pk,
      id: row.id ?? earlier.id,
      title: row.has.title ? row.title : earlier.title,
      created_at: row.created_at ?? earlier.created_at,
      updated_at: row.updated_at ?? earlier.updated_at,
      fields: { ...earlier.fields, ...row.fields },
      responsibilities: row.has.responsibilities ? row.responsibilities : earlier.responsibilities,
      has: { title: earlier.has.title || row.has.title, responsibilities: earlier.has.responsibilities || row.has.responsibilities },
    });
  }
  return [...merged.values()];
}

async function upsert(em: EntityManager, instanceId: string, entity: string, rows: RecordRow[], now: string, changed: ChangedKeys) {
  let inserted = 0;
  let updated = 0;
  for (const chunk of chunks(mergeByKey(rows))) {
    const written: { pk: string; fresh: boolean }[] = await em.query(
      `INSERT INTO records AS t (instance_id, entity, pk, id, title, created_at, updated_at, fields, responsibilities, responsible_users)
       SELECT $1, $2, r.pk, coalesce(r.id, gen_random_uuid()::text), coalesce(r.title, ''), r.created_at, r.updated_at,
              r.fields, r.responsibilities, ${USERS_OF('r.responsibilities')}
         FROM ${ROWSET}
       ON CONFLICT (instance_id, entity, pk) DO UPDATE SET
         id = CASE WHEN $4::jsonb ? excluded.pk THEN excluded.id ELSE t.id END,
         title = CASE WHEN $5::jsonb ? excluded.pk THEN excluded.title ELSE t.title END,
         created_at = CASE WHEN $6::jsonb ? excluded.pk THEN excluded.created_at ELSE t.created_at END,
         updated_at = excluded.updated_at,
         fields = t.fields || excluded.fields,
         responsibilities = CASE WHEN $7::jsonb ? excluded.pk THEN excluded.responsibilities ELSE t.responsibilities END,
         responsible_users = CASE WHEN $7::jsonb ? excluded.pk THEN excluded.responsible_users ELSE t.responsible_users END
       -- A row that would change nothing leaves its record as it is (updatedAt too) and is not
       -- counted: a nightly full load says what changed, not how many rows it sent.
       WHERE (CASE WHEN $4::jsonb ? excluded.pk THEN excluded.id ELSE t.id END) IS DISTINCT FROM t.id
          OR (CASE WHEN $5::jsonb ? excluded.pk THEN excluded.title ELSE t.title END) IS DISTINCT FROM t.title
          OR (CASE WHEN $6::jsonb ? excluded.pk THEN excluded.created_at ELSE t.created_at END) IS DISTINCT FROM t.created_at
          OR ($8::jsonb ? excluded.pk AND excluded.updated_at IS DISTINCT FROM t.updated_at)
          OR t.fields || excluded.fields IS DISTINCT FROM t.fields
          OR (CASE WHEN $7::jsonb ? excluded.pk THEN excluded.responsibilities ELSE t.responsibilities END) IS DISTINCT FROM t.responsibilities
       RETURNING t.pk, (xmax = 0) AS fresh`,
      [
        instanceId,
        entity,
        toJson(chunk, now),
        JSON.stringify(Object.fromEntries(chunk.filter((r) => r.id !== null).map((r) => [r.pk, 1]))),
        JSON.stringify(Object.fromEntries(chunk.filter((r) => r.has.title).map((r) => [r.pk, 1]))),
        JSON.stringify(Object.fromEntries(chunk.filter((r) => r.created_at !== null).map((r) => [r.pk, 1]))),
        JSON.stringify(Object.fromEntries(chunk.filter((r) => r.has.responsibilities).map((r) => [r.pk, 1]))),
        JSON.stringify(Object.fromEntries(chunk.filter((r) => r.updated_at !== null).map((r) => [r.pk, 1]))),
      ],
    );
    for (const w of written) {
      if (w.fresh) {
        inserted++;
        changed.created(w.pk);
      } else {
        updated++;
        changed.changed(w.pk);
      }
    }
  }
  return { inserted, updated };
}

async function remove(em: EntityManager, instanceId: string, entity: string, keys: string[], changed: ChangedKeys) {
  let deleted = 0;
  for (const chunk of chunks(keys)) {
    // Selected from a CTE: the driver's answer to a bare DELETE … RETURNING is not a plain list of rows.
    const gone: { pk: string }[] = await em.query(
      `WITH gone AS (DELETE FROM records WHERE instance_id = $1 AND entity = $2 AND pk = ANY($3::text[]) RETURNING pk)
       SELECT pk FROM gone`,
      [instanceId, entity, chunk],
    );
    for (const g of gone) changed.removed(g.pk);
    deleted += gone.length;
  }
  return deleted;
}

/** Which of the given ids another record (another primary key) of the entity holds, row by row. */
export function heldIdsSql(target: { instanceId: string; entity: string }, given: { j: number; pk: string; id: string }[]) {
  return {
    text: `SELECT g.j, g.id, t.pk AS holder
             FROM jsonb_to_recordset($3::jsonb) AS g(j int, pk text, id text)
             JOIN records t ON t.instance_id = $1 AND t.entity = $2 AND t.id = g.id AND t.pk <> g.pk
            ORDER BY g.j LIMIT ${MAX_ERRORS}`,
    values: [target.instanceId, target.entity, JSON.stringify(given)],
  };
}

/**
 * `id` is a record's identity, unique per instance and entity (index `records_by_id`). When the
 * primary key is another field, a row may give an id: refused, naming the row, if another record
 * holds it at this point of the batch (earlier operations of the call included). One operation's
 * own rows were checked against each other in validation.
 */
async function assertIdsFree(
  em: EntityManager,
  target: { instanceId: string; entity: string; primaryKey: string },
  at: number,
  rows: RecordRow[],
): Promise<void> {
  if (target.primaryKey === 'id') return;
  const given = rows.flatMap((r, j) => (r.id === null ? [] : [{ j, pk: r.pk, id: r.id }]));
  if (!given.length) return;
  const sql = heldIdsSql(target, given);
  const held: { j: number; id: string; holder: string }[] = await em.query(sql.text, sql.values);
  if (!held.length) return;
  throw ApiException.validation(
    held.map((h) => ({ field: `operations.${at}.rows.${h.j}.id`, message: `id ${h.id} is already the id of the record with ${target.primaryKey} ${h.holder}` })),
    'Duplicate id',
  );
}

/**
 * Runs a batch's transaction, within `timeoutMs` when given (all attempts together), counted from
 * `deadline` when the caller has already spent part of it. Two batches giving one id at the same moment both pass the check
 * (neither sees the other's rows); the unique index lets one commit and fails the other, which is
 * then run again once: its check now sees the committed id and refuses the row by name.
 */
export async function inBatchTransaction<T>(
  dataSource: DataSource,
  work: (em: EntityManager) => Promise<T>,
  options: { timeoutMs?: number; deadline?: number } = {},
): Promise<T> {
  const { timeoutMs } = options;
  const deadline = timeoutMs === undefined ? undefined : (options.deadline ?? Date.now() + timeoutMs);
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(deadline === undefined ? work : (em) => beforeDeadline(dataSource, em, deadline, timeoutMs!, work));
    } catch (error) {
      // A concurrent batch committed an id this one gives after this one checked.
      if (!isUniqueViolation(error, 'records_by_id')) throw error;
      if (attempt >= 3) throw new ApiException(ErrorCode.Conflict, 'Other batches kept giving the same ids at the same moment; send the batch again');
    }
  }
}

/**
 * Applies a validated batch, in order, inside the caller's transaction, keeps the entity's record
 * count exact and queues RecordsChanged in the outbox, so the rows and the event commit together
 * (when the call changed anything).
 */
export async function applyOperations(
  em: EntityManager,
  target: { instanceId: string; entity: string; primaryKey: string; requestId?: string; taskId?: string },
  operations: ValidOperation[],
): Promise<BatchCounts> {
  const { instanceId, entity } = target;
  const now = new Date().toISOString();
  const counts: BatchCounts = { inserted: 0, updated: 0, deleted: 0 };
  const changed = new ChangedKeys();
  for (const [i, op] of operations.entries()) {
    if (op.action === 'delete') counts.deleted += await remove(em, instanceId, entity, op.keys, changed);
    else if (op.action === 'insert') {
      await assertIdsFree(em, target, i, op.rows);
      counts.inserted += await insert(em, target, op.rows, i, now, changed);
    } else {
      await assertIdsFree(em, target, i, op.rows);
      const r = await upsert(em, instanceId, entity, op.rows, now, changed);
      counts.inserted += r.inserted;
      counts.updated += r.updated;
    }
  }
  const delta = counts.inserted - counts.deleted;
  await em.query(
    `INSERT INTO entity_counts (instance_id, entity, record_count) VALUES ($1, $2, $3)
     ON CONFLICT (instance_id, entity) DO UPDATE SET record_count = entity_counts.record_count + excluded.record_count`,
    [instanceId, entity, delta],
  );
  // A call that changed nothing (keys to delete that are gone, rows that change nothing) is no news.
  if (counts.inserted + counts.updated + counts.deleted === 0) return counts;
  await writeChanges(em, target, now, counts, changed);
  return counts;
}

/**
 * RecordsChanged with the keys the call changed, and as many RecordsChangedPart as the keys need
 * beyond the first message: all keyed by the entity type (one partition, in this order), all in
 * the call's transaction.
 */
async function writeChanges(
  em: EntityManager,
  target: { instanceId: string; entity: string; requestId?: string; taskId?: string },
  now: string,
  counts: BatchCounts,
  changed: ChangedKeys,
): Promise<void> {
  const { instanceId, entity } = target;
  const [first, ...rest] = keyParts(changed.keys());
  const parts = rest.length + 1;
  const task = target.taskId ? { taskId: target.taskId } : {};
  const common = { instanceId, aggregateId: entityTypeStreamId(instanceId, entity), occurredAt: now, correlationId: target.requestId };
  const change = noticeEnvelope(RecordsChanged, { ...common, data: { entity, ...counts, ...task, keys: first, parts } });
  const envelopes: EventEnvelope[] = [
    change as EventEnvelope,
    ...rest.map(
      (keys, i) =>
        noticeEnvelope(RecordsChangedPart, { ...common, data: { entity, changeId: change.id, ...task, part: i + 2, parts, keys } }) as EventEnvelope,
    ),
  ];
  await writeOutbox(em, envelopes, envelopes.map(() => RecordsChanged.topic));
}
