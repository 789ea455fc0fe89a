import { randomUUID } from 'node:crypto';
import type { EntityManager, QueryRunner } from 'typeorm';
import type { EventContract, EventData, EventEnvelope } from '@tollgate/contracts';
import { ConcurrencyError } from './concurrency-error';
import { publishableJson } from './event-too-large';
import { queryPrepared } from './prepared-query';
import type { PendingEvent } from './pending-event';
import { isUniqueViolation } from '../postgres/unique-violation';

export interface AppendRequest {
  streamId: string;
  instanceId: string;
  /** The stream's version when it was read; 0 for a new stream. */
  expectedVersion: number;
  events: PendingEvent[];
  correlationId?: string;
  causationId?: string;
  now?: Date;
}

interface EventRow {
  event_id: string;
  stream_id: string;
  version: number;
  instance_id: string;
  type: string;
  type_version: number;
  data: Record<string, unknown>;
  metadata: { correlationId?: string; causationId?: string };
  occurred_at: Date;
}

export function rowToEnvelope(row: EventRow): EventEnvelope {
  return {
    id: row.event_id,
    type: row.type,
    version: row.type_version,
    instanceId: row.instance_id,
    aggregateId: row.stream_id,
    sequence: row.version,
    occurredAt: row.occurred_at.toISOString(),
    ...(row.metadata.correlationId ? { correlationId: row.metadata.correlationId } : {}),
    ...(row.metadata.causationId ? { causationId: row.metadata.causationId } : {}),
    data: row.data,
  };
}

/**
 * SQL for a stored event's envelope as JSON text, the same document `rowToEnvelope` gives (keys in
 * jsonb's order): for readers that pass envelopes on without looking inside, such as the relay.
 * `e` is the alias of the events table.
 */
export const ENVELOPE_JSON_SQL = (e: string): string =>
  `(jsonb_build_object('id', ${e}.event_id, 'type', ${e}.type, 'version', ${e}.type_version, 'instanceId', ${e}.instance_id,
     'aggregateId', ${e}.stream_id, 'sequence', ${e}.version,
     'occurredAt', to_char(${e}.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', ${e}.data)
   || jsonb_strip_nulls(jsonb_build_object('correlationId', nullif(${e}.metadata->>'correlationId', ''),
                                           'causationId', nullif(${e}.metadata->>'causationId', ''))))::text`;

/**
 * Append-only streams in the service's own database. Appending writes the events and their outbox
 * rows through the caller's transaction, so both commit or neither does.
 */
export class EventStore {
  async readStream(em: EntityManager, streamId: string): Promise<EventEnvelope[]> {
    const rows = await queryPrepared<EventRow>(em, READ_STREAM_SQL, [streamId]);
    return rows.map(rowToEnvelope);
  }

  /**
   * One statement, prepared on the connection: the version check, the events and their outbox
   * rows. A command is a few short statements, and each round trip (a wake-up of the database
   * process and of this one) cost more than the work in it; three became one.
   */
  async append(em: EntityManager, request: AppendRequest): Promise<EventEnvelope[]> {
    if (request.events.length === 0) return [];
    const { envelopes, events, outbox } = splitAppend(request);
    const stream = events.params.length + outbox.params.length + 1;
    let current: number;
    try {
      const [row] = await queryPrepared<{ version: number }>(em, appendSql(events.sql, outbox.sql, stream), [
        ...events.params,
        ...outbox.params,
        request.streamId,
        request.expectedVersion,
      ]);
      current = row.version;
    } catch (error) {
      // Two writers read the same version; the unique (stream_id, version) constraint picked one.
      if (isUniqueViolation(error)) {
        throw new ConcurrencyError(request.streamId, request.expectedVersion);
      }
      throw error;
    }
    // Another writer appended since the stream was read: nothing was written.
    if (current !== request.expectedVersion) throw new ConcurrencyError(request.streamId, request.expectedVersion);
    markOutboxWritten(em);
    return envelopes;
  }
}

const READ_STREAM_SQL = `SELECT event_id, stream_id, version, instance_id, type, type_version, data, metadata, occurred_at
   FROM events WHERE stream_id = $1 ORDER BY version`;

/**
 * Inserts the events and their outbox rows only if the stream is still at the expected version
 * (parameters `stream` and `stream + 1`); answers the version it found. The text is the same for
 * every append, so it stays prepared.
 */
const appendSql = (eventsSql: string, outboxSql: string, stream: number): string => `
  WITH current AS (SELECT coalesce(max(version), 0)::int AS version FROM events WHERE stream_id = $${stream}),
  appended AS (${eventsSql} WHERE (SELECT version FROM current) = $${stream + 1}),
  queued AS (${outboxSql} WHERE (SELECT version FROM current) = $${stream + 1})
  SELECT version FROM current`;

/** The envelopes `request` appends: fresh ids, consecutive sequences after the expected version. */
export function envelopesFor(request: AppendRequest): EventEnvelope[] {
  const occurredAt = (request.now ?? new Date()).toISOString();
  return request.events.map((event, i) => {
    // An event of one request among several in the append names its own; the others the append's.
    const correlationId = event.correlationId ?? request.correlationId;
    return {
      id: randomUUID(),
      type: event.contract.type,
      version: event.contract.version,
      instanceId: request.instanceId,
      aggregateId: request.streamId,
      sequence: request.expectedVersion + i + 1,
      occurredAt,
      ...(correlationId ? { correlationId } : {}),
      ...(request.causationId ? { causationId: request.causationId } : {}),
      data: event.data as Record<string, unknown>,
    };
  });
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/** `INSERT INTO events …` for the envelopes, as a statement or CTE body; parameters from `first`. */
function insertEvents(envelopes: EventEnvelope[], first: number): Statement {
  const p = (i: number) => `$${first + i}`;
  return {
    sql: `INSERT INTO events (event_id, stream_id, version, instance_id, type, type_version, data, metadata, occurred_at)
          SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::int[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::int[],
                               ${p(6)}::jsonb[], ${p(7)}::jsonb[], ${p(8)}::timestamptz[])`,
    params: [
      envelopes.map((e) => e.id),
      envelopes.map((e) => e.aggregateId),
      envelopes.map((e) => e.sequence),
      envelopes.map((e) => e.instanceId),
      envelopes.map((e) => e.type),
      envelopes.map((e) => e.version),
      envelopes.map((e) => publishableJson(e.type, e.data)),
      envelopes.map((e) => JSON.stringify({ correlationId: e.correlationId, causationId: e.causationId })),
      envelopes.map((e) => e.occurredAt),
    ],
  };
}

/**
 * `INSERT INTO outbox …` for the envelopes, as a statement or CTE body; parameters from `first`.
 * Events appended to a stream are in the events table, so their rows carry no payload: the relay
 * reads the event itself. Only events without a stream carry their envelope.
 */
function insertOutbox(envelopes: EventEnvelope[], topics: string[], first: number, stored: boolean, contracts: EventContract[] = []): Statement {
  const p = (i: number) => `$${first + i}`;
  const ids = envelopes.map((e) => e.id);
  const keys = envelopes.map((e) => e.aggregateId);
  // A stored event whose contract publishes less than it stores travels with its published form.
  const published = contracts.map((c, i) => (stored && c.published ? JSON.stringify({ ...envelopes[i], data: c.published(envelopes[i].data) }) : null));
  if (published.some((payload) => payload !== null)) {
    return {
      sql: `INSERT INTO outbox (event_id, topic, message_key, payload)
            SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[])`,
      params: [ids, topics, keys, published],
    };
  }
  if (stored) {
    return {
      sql: `INSERT INTO outbox (event_id, topic, message_key) SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::text[])`,
      params: [ids, topics, keys],
    };
  }
  return {
    sql: `INSERT INTO outbox (event_id, topic, message_key, payload)
          SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[])`,
    params: [ids, topics, keys, envelopes.map((e) => publishableJson(e.type, e))],
  };
}

export interface SplitAppend {
  envelopes: EventEnvelope[];
  events: Statement;
  outbox: Statement;
}

/**
 * The append as two insert statements, for hot paths that place them in statements of their own.
 * It does not check the stream version: the caller must, in the same transaction (typically by
 * locking its snapshot row with `SELECT … FOR UPDATE` and comparing the version it reads), and it
 * must write the outbox rows only while it holds that lock, since the relay publishes in outbox
 * order. The unique (stream_id, version) constraint still refuses a racing writer. Parameters are
 * numbered from `firstParam`, the events' first and the outbox's right after them, so both can
 * share one statement.
 */
export function splitAppend(request: AppendRequest, firstParam = 1): SplitAppend {
  const envelopes = envelopesFor(request);
  const events = insertEvents(envelopes, firstParam);
  return {
    envelopes,
    events,
    outbox: insertOutbox(
      envelopes,
      request.events.map((e) => e.contract.topic),
      firstParam + events.params.length,
      true,
      request.events.map((e) => e.contract),
    ),
  };
}

const OUTBOX_WRITTEN = 'tollgate.outboxWritten';

/** Notes on the transaction that it queued outbox rows, so the relay can be woken when it commits. */
function markOutboxWritten(em: EntityManager): void {
  if (em.queryRunner) em.queryRunner.data[OUTBOX_WRITTEN] = true;
}

/** Whether the transaction just committed on this query runner queued outbox rows (and forgets it). */
export function takeOutboxWritten(queryRunner: QueryRunner): boolean {
  const written = queryRunner.data?.[OUTBOX_WRITTEN] === true;
  if (written) queryRunner.data[OUTBOX_WRITTEN] = false;
  return written;
}

/** Queues events that belong to no stream (so are not in the events table) for the relay, in the caller's transaction. */
export async function writeOutbox(em: EntityManager, envelopes: EventEnvelope[], topics: string[]): Promise<void> {
  if (envelopes.length === 0) return;
  const insert = insertOutbox(envelopes, topics, 1, false);
  await em.query(insert.sql, insert.params);
  markOutboxWritten(em);
}

/** What a notice (an event published outside any stream) says beyond what its contract fixes. */
export interface Notice<D> {
  instanceId: string;
  aggregateId: string;
  data: D;
  correlationId?: string;
  /** Now, unless the notice reports something that happened at a time of its own. */
  occurredAt?: string;
}

/** The envelope of a notice: a fresh id, `sequence` 0 (it is in no stream), its contract's type and version. */
export function noticeEnvelope<C extends EventContract<any>>(contract: C, notice: Notice<EventData<C>>): EventEnvelope<EventData<C>> {
  return {
    id: randomUUID(),
    type: contract.type,
    version: contract.version,
    instanceId: notice.instanceId,
    aggregateId: notice.aggregateId,
    sequence: 0,
    occurredAt: notice.occurredAt ?? new Date().toISOString(),
    ...(notice.correlationId ? { correlationId: notice.correlationId } : {}),
    data: notice.data,
  };
}

/** Queues a notice for the relay, on its contract's topic, in the caller's transaction. */
export async function writeNotice<C extends EventContract<any>>(em: EntityManager, contract: C, notice: Notice<EventData<C>>): Promise<void> {
  await writeOutbox(em, [noticeEnvelope(contract, notice) as EventEnvelope], [contract.topic]);
}
