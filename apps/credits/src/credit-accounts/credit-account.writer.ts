import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { CreditsConsumed, type DebitRequest, type DebitResult, type EventData, type EventEnvelope } from '@tollgate/contracts';
import { ConcurrencyError, EventStore, outboxCommitted, splitAppend, sqlStateOf } from '@tollgate/event-sourcing';
import { connectGuarded } from '@tollgate/service-runtime';
import { Clock } from '../clock';
import { correlationOf, decideDebits, type Decision } from './credit-account.decider';
import { creditAccountStream, type CreditAccountState } from './credit-account.events';
import { CreditLedgerProjection, readAccount } from './credit-ledger.projection';

export type Decide<R> = (state: CreditAccountState, em: EntityManager, now: Date) => Decision<R> | Promise<Decision<R>>;

/** A batch of plain charges decided on an expected pool, not yet written. */
export interface PreparedDebits {
  /** The pool once this batch commits. */
  state: CreditAccountState;
  result: DebitResult[];
  /**
   * Opens the batch's transaction, takes its place in the claim order and writes its ledger rows,
   * without touching the pool's row. Undefined (rolled back) when one of its request ids was
   * charged before.
   */
  write(order: ClaimOrder): Promise<DebitTransaction | undefined>;
  /**
   * For a batch with none of its pool's batches in flight beside it: all of it in one statement,
   * committed. False (nothing written) when the pool is no longer the expected one or a request id
   * was charged before.
   */
  commitAlone(): Promise<boolean>;
}

/**
 * Where a pipelined batch stands among its process's batches of the same pool: transaction-scoped
 * advisory locks (lane, ticket). A batch holds its own from `write` until it ends; its claim first
 * waits for its predecessor's, so claims reach the row lock in order without a round trip to this
 * process in between.
 */
export interface ClaimOrder {
  lane: number;
  ticket: number;
  /** The ticket of the batch before it, if that one is still in flight. */
  after?: number;
}

export interface DebitTransaction {
  /**
   * Under the row lock: moves the pool to the batch's state and appends its events; false (nothing
   * moved) when the pool is no longer the expected one.
   */
  claim(): Promise<boolean>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface Written<R> extends Decision<R> {
  appended: EventEnvelope[];
}

/**
 * One transaction per command on an instance's pool: lock the snapshot row, decide, append the
 * events (and their outbox rows), update the read models. The row lock serialises writers across
 * replicas; the stream version check catches anything that slips past it (first creation).
 */
@Injectable()
export class CreditAccountWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly projection: CreditLedgerProjection,
    private readonly clock: Clock,
  ) {}

  async execute<R>(instanceId: string, decide: Decide<R>, correlationId?: string): Promise<Written<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (em) => {
          const state = await readAccount(em, instanceId, true);
          const now = this.clock.now();
          const decision = await decide(state, em, now);
          const appended = await this.store.append(em, {
            streamId: creditAccountStream(instanceId),
            instanceId,
            expectedVersion: state.version,
            events: decision.events,
            correlationId,
            now,
          });
          await this.projection.applyMany(em, appended);
          return { ...decision, state: { ...decision.state, version: state.version + appended.length }, appended };
        });
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 3) throw error;
      }
    }
  }

  /**
   * The hot path of a debit batch. Decides now against `known`, the pool this process expects (the
   * one it committed last, or the one the batch before this will leave). Alone, `commitAlone` does
   * everything in one guarded statement. Beside another batch, `write` opens the batch's
   * transaction and inserts its ledger rows without touching the pool's row, so it can do that
   * while the other commits; `claim` then takes the row lock and, only if the pool is still
   * exactly `known` (every field the decision read), moves it and appends the events and their
   * outbox rows; under the lock, so the relay sees the stream in order. The lock is held for that
   * one statement and the commit. Undefined when the batch needs more than plain charges (a reset,
   * a refusal, a repeated id): the caller decides under the lock on committed state (`execute`),
   * as it does when `commitAlone`, `write` or `claim` refuses.
   */
  prepareDebits(known: CreditAccountState, debits: readonly DebitRequest[]): PreparedDebits | undefined {
    const now = this.clock.now();
    if (!known.exists || known.resetsAt.getTime() <= now.getTime()) return undefined;
    const decision = decideDebits(known, debits, new Map(), now);
    if (decision.result.some((r) => r.outcome !== 'charged')) return undefined;
    const request = {
      streamId: creditAccountStream(known.instanceId),
      instanceId: known.instanceId,
      expectedVersion: known.version,
      events: decision.events,
      correlationId: correlationOf(debits),
      now,
    };
    const { envelopes, events, outbox } = splitAppend(request);
    const charges = envelopes.map((e) => e.data as unknown as EventData<typeof CreditsConsumed>);
    const next: CreditAccountState = { ...decision.state, version: known.version + envelopes.length };
    const insertCharges = (p: (i: number) => string) => `
        INSERT INTO credit_charges (instance_id, request_id, key_id, user_id, entities, cost, day, charged_at)
        SELECT ${p(0)}, r.request_id, r.key_id, r.user_id, ARRAY(SELECT jsonb_array_elements_text(r.entities)), r.cost, ${p(1)}, ${p(2)}
          FROM unnest(${p(3)}::text[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::jsonb[], ${p(7)}::int[]) AS r(request_id, key_id, user_id, entities, cost)`;
    // A request id charged before (or by a batch still in flight) inserts nothing: fewer rows than charges.
    const writeSql = `
      WITH charged AS (${insertCharges((i) => `$${1 + i}`)}
        ON CONFLICT (instance_id, request_id) DO NOTHING
        RETURNING 1
      )
      SELECT count(*)::int AS charged FROM charged`;
    const writeValues = [
      known.instanceId,
      known.day,
      now.toISOString(),
      charges.map((c) => c.requestId),
      charges.map((c) => c.keyId ?? null),
      charges.map((c) => c.userId ?? null),
      charges.map((c) => JSON.stringify(c.entities)),
      charges.map((c) => c.cost),
    ];
    // FOR UPDATE waits for the lock and then reads the row as its holder committed it (a plain
    // WHERE would judge the version this statement's snapshot saw); the pool moves, and the events
    // and outbox rows go in, only if that row is exactly `known`. Under the lock, in stream order.
    const first = events.params.length + outbox.params.length;
    const $ = (i: number) => `$${first + i}`;
    // A claim leaves some time after its batch was decided: if the pool's midnight has passed since
    // (by the clock as the claim leaves), the batch is decided again, on the reset pool.
    const guardedClaim = (afterPredecessor: boolean, sentAt: string) => `current AS (
        SELECT version = ${$(4)} AND day = ${$(5)} AND remaining = ${$(6)} AND daily_allowance = ${$(7)}
               AND timezone = ${$(8)} AND resets_at = ${$(9)} AND resets_at > ${sentAt}::timestamptz AS expected
          FROM credit_accounts${afterPredecessor ? ', predecessor' : ''} WHERE instance_id = ${$(1)} FOR UPDATE OF credit_accounts
      ), claimed AS (
        UPDATE credit_accounts SET remaining = ${$(2)}, version = ${$(3)}
         WHERE instance_id = ${$(1)} AND (SELECT expected FROM current)
        RETURNING 1
      ), appended_events AS (${events.sql} WHERE EXISTS (SELECT 1 FROM claimed)),
      queued AS (${outbox.sql} WHERE EXISTS (SELECT 1 FROM claimed))`;
    const claimSql = (afterPredecessor: boolean) => `
      WITH predecessor AS (
        SELECT ${afterPredecessor ? `pg_advisory_xact_lock_shared(${$(11)}::int, ${$(12)}::int), ` : ''}1 AS done
      ), ${guardedClaim(true, $(10))}
      SELECT count(*)::int AS claimed FROM claimed`;
    const claimValues = [
      ...events.params,
      ...outbox.params,
      known.instanceId,
      next.remaining,
      next.version,
      known.version,
      known.day,
      known.remaining,
      known.dailyAllowance,
      known.timezone,
      known.resetsAt.toISOString(),
    ];
    // Both statements are prepared once per connection (named): parsing and planning them cost
    // about as much as running them. Their text is the same for every batch; only the values change.
    const write = async (order: ClaimOrder): Promise<DebitTransaction | undefined> => {
      const client = await this.connect();
      let open = true;
      const end = async (how: 'COMMIT' | 'ROLLBACK') => {
        if (!open) return;
        open = false;
        try {
          await client.query(how);
          client.release();
          if (how === 'COMMIT') outboxCommitted(this.dataSource); // outside TypeORM: tell the relay
        } catch (error) {
          client.release(error as Error);
          throw error;
        }
      };
      const transaction: DebitTransaction = {
        claim: async () => {
          try {
            const after = order.after !== undefined;
            const { rows } = await client.query<{ claimed: number }>({
              name: after ? 'credits-debit-claim-after' : 'credits-debit-claim',
              text: claimSql(after),
              values: [...claimValues, this.clock.now().toISOString(), ...(after ? [order.lane, order.after] : [])],
            });
            return rows[0].claimed === 1;
          } catch (error) {
            // Two processes' batches crossed on the same request id; PostgreSQL picked this one to give way.
            if (sqlStateOf(error) === DEADLOCK_DETECTED) return false;
            throw error;
          }
        },
        commit: () => end('COMMIT'),
        rollback: () => end('ROLLBACK'),
      };
      try {
        // Integers only: safe to inline, and one round trip for both.
        await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${order.lane | 0}, ${order.ticket | 0})`);
        const { rows } = await client.query<{ charged: number }>({ name: 'credits-debit-write', text: writeSql, values: writeValues });
        if (rows[0].charged === charges.length) return transaction;
      } catch (error) {
        await end('ROLLBACK');
        // A batch written on the same guess took these rows first, or crossed this one on an id.
        const code = sqlStateOf(error);
        if (code === UNIQUE_VIOLATION || code === DEADLOCK_DETECTED) return undefined;
        throw error;
      }
      await end('ROLLBACK');
      return undefined;
    };
    // Alone (no batch of this pool in flight here), the whole batch is one statement: claim, ledger
    // rows, events and outbox, committed on its own. One round trip instead of four. A request id
    // charged before fails the ledger insert and with it the statement: nothing is written.
    const aloneValues = () => [...claimValues, ...writeValues, this.clock.now().toISOString()];
    const aloneSql = `
      WITH ${guardedClaim(false, `$${claimValues.length + writeValues.length + 1}`)},
      charged AS (${insertCharges((i) => `$${claimValues.length + 1 + i}`)} WHERE EXISTS (SELECT 1 FROM claimed))
      SELECT count(*)::int AS claimed FROM claimed`;
    const commitAlone = async (): Promise<boolean> => {
      const client = await this.connect();
      try {
        const { rows } = await client.query<{ claimed: number }>({ name: 'credits-debit-alone', text: aloneSql, values: aloneValues() });
        client.release();
        if (rows[0].claimed !== 1) return false;
        outboxCommitted(this.dataSource);
        return true;
      } catch (error) {
        const code = sqlStateOf(error);
        // The statement failed on its own (autocommit): the connection is fine unless the error is not PostgreSQL's.
        client.release(code ? undefined : (error as Error));
        if (code === UNIQUE_VIOLATION || code === DEADLOCK_DETECTED) return false;
        throw error;
      }
    };
    return { state: next, result: decision.result, write, commitAlone };
  }

  /** The driver's own pool: the debit path runs thousands of times a second, TypeORM adds nothing there. */
  private connect(): Promise<PoolClient> {
    return connectGuarded((this.dataSource.driver as PostgresDriver).master);
  }
}

const UNIQUE_VIOLATION = '23505';
const DEADLOCK_DETECTED = '40P01';
