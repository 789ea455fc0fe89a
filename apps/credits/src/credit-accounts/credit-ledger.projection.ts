import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ChargeVoided, CreditsConsumed, CreditsRefunded, type EventData, type EventEnvelope } from '@tollgate/contracts';
import type { Projection } from '@tollgate/event-sourcing';
import type { KnownCharge } from './credit-account.decider';
import { evolveCreditAccount, initialCreditAccount, type CreditAccountState } from './credit-account.events';

interface AccountRow {
  instance_id: string;
  daily_allowance: number;
  remaining: number;
  timezone: string;
  day: string;
  resets_at: Date;
  version: number;
  plan_version: number;
  has_plan: boolean;
}

export function accountFromRow(row: AccountRow | undefined, instanceId: string): CreditAccountState {
  if (!row) return initialCreditAccount(instanceId);
  return {
    exists: row.has_plan,
    instanceId: row.instance_id,
    dailyAllowance: row.daily_allowance,
    remaining: row.remaining,
    timezone: row.timezone,
    day: row.day,
    resetsAt: new Date(row.resets_at),
    version: row.version,
    planVersion: row.plan_version,
  };
}

export async function readAccount(em: EntityManager, instanceId: string, forUpdate = false): Promise<CreditAccountState> {
  const rows: AccountRow[] = await em.query(
    `SELECT instance_id, daily_allowance, remaining, timezone, day, resets_at, version, plan_version, has_plan
       FROM credit_accounts WHERE instance_id = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [instanceId],
  );
  return accountFromRow(rows[0], instanceId);
}

/** What the ledger holds for these request ids of the instance (ids it has never seen are absent). */
export async function readCharges(em: EntityManager, instanceId: string, requestIds: readonly string[]): Promise<Map<string, KnownCharge>> {
  const rows: (KnownCharge & { request_id: string })[] = await em.query(
    `SELECT request_id, cost, day, refunded_at IS NOT NULL AS refunded, closed
       FROM credit_charges WHERE instance_id = $1 AND request_id = ANY($2::text[])`,
    [instanceId, [...new Set(requestIds)]],
  );
  return new Map(rows.map(({ request_id, ...charge }) => [request_id, charge]));
}

interface ChargeRow {
  requestId: string;
  keyId: string | null;
  userId: string | null;
  entities: string[];
  cost: number;
  day: string;
  chargedAt: string;
  refundedAt: string | null;
}

/**
 * The balance snapshot (`credit_accounts`) and the per-request ledger (`credit_charges`), kept in
 * the transaction that appends the events. Applies a whole batch with a handful of statements,
 * whatever its size: this is what lets one transaction commit hundreds of debits.
 */
@Injectable()
export class CreditLedgerProjection implements Projection {
  readonly name = 'credit-ledger';
  readonly tables = ['credit_accounts', 'credit_charges'] as const;

  apply(em: EntityManager, event: EventEnvelope): Promise<void> {
    return this.applyMany(em, [event]);
  }

  async applyMany(em: EntityManager, events: readonly EventEnvelope[]): Promise<void> {
    const byInstance = new Map<string, EventEnvelope[]>();
    for (const e of events) byInstance.set(e.instanceId, [...(byInstance.get(e.instanceId) ?? []), e]);
    for (const [instanceId, stream] of byInstance) await this.applyStream(em, instanceId, stream);
  }

  private async applyStream(em: EntityManager, instanceId: string, events: EventEnvelope[]): Promise<void> {
    let state = await readAccount(em, instanceId);
    const charged = new Map<string, ChargeRow>();
    const refundedOnly = new Map<string, string>();
    /** Request ids closed by a final refund, with when: the day's pool and time for a row of their own. */
    const voided = new Map<string, { day: string; at: string }>();
    for (const event of events) {
      state = evolveCreditAccount(state, event);
      if (event.type === CreditsConsumed.type) {
        const d = event.data as unknown as EventData<typeof CreditsConsumed>;
        refundedOnly.delete(d.requestId);
        charged.set(d.requestId, {
          requestId: d.requestId,
          keyId: d.keyId ?? null,
          userId: d.userId ?? null,
          entities: d.entities,
          cost: d.cost,
          day: state.day,
          chargedAt: event.occurredAt,
          refundedAt: null,
        });
      } else if (event.type === CreditsRefunded.type) {
        const d = event.data as unknown as EventData<typeof CreditsRefunded>;
        const row = charged.get(d.requestId);
        if (row) row.refundedAt = event.occurredAt;
        else refundedOnly.set(d.requestId, event.occurredAt);
      } else if (event.type === ChargeVoided.type) {
        const d = event.data as unknown as EventData<typeof ChargeVoided>;
        voided.set(d.requestId, { day: state.day, at: event.occurredAt });
      }
    }
    await em.query(
      `INSERT INTO credit_accounts (instance_id, daily_allowance, remaining, timezone, day, resets_at, version, plan_version, has_plan)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (instance_id) DO UPDATE SET daily_allowance = $2, remaining = $3, timezone = $4, day = $5,
         resets_at = $6, version = $7, plan_version = $8, has_plan = $9`,
      [instanceId, state.dailyAllowance, state.remaining, state.timezone, state.day, state.resetsAt, state.version, state.planVersion, state.exists],
    );
    if (charged.size > 0) {
      const rows = [...charged.values()];
      await em.query(
        `INSERT INTO credit_charges (instance_id, request_id, key_id, user_id, entities, cost, day, charged_at, refunded_at)
         SELECT $1, r.request_id, r.key_id, r.user_id, ARRAY(SELECT jsonb_array_elements_text(r.entities)), r.cost, r.day,
                r.charged_at, r.refunded_at
           FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::text[], $8::timestamptz[], $9::timestamptz[])
             AS r(request_id, key_id, user_id, entities, cost, day, charged_at, refunded_at)
         ON CONFLICT (instance_id, request_id) DO UPDATE SET key_id = excluded.key_id, user_id = excluded.user_id,
           entities = excluded.entities, cost = excluded.cost, day = excluded.day, charged_at = excluded.charged_at,
           refunded_at = excluded.refunded_at`,
        [
          instanceId,
          rows.map((r) => r.requestId),
          rows.map((r) => r.keyId),
          rows.map((r) => r.userId),
          rows.map((r) => JSON.stringify(r.entities)),
          rows.map((r) => r.cost),
          rows.map((r) => r.day),
          rows.map((r) => r.chargedAt),
          rows.map((r) => r.refundedAt),
        ],
      );
    }
    if (refundedOnly.size > 0) {
      await em.query(
        `UPDATE credit_charges c SET refunded_at = r.at
           FROM unnest($2::text[], $3::timestamptz[]) AS r(request_id, at)
          WHERE c.instance_id = $1 AND c.request_id = r.request_id`,
        [instanceId, [...refundedOnly.keys()], [...refundedOnly.values()]],
      );
    }
    if (voided.size > 0) {
      // A charged id is only marked; one never charged gets a row costing nothing, refunded at once.
      await em.query(
        `INSERT INTO credit_charges (instance_id, request_id, entities, cost, day, charged_at, refunded_at, closed)
         SELECT $1, r.request_id, '{}', 0, r.day, r.at, r.at, true
           FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS r(request_id, day, at)
         ON CONFLICT (instance_id, request_id) DO UPDATE SET closed = true`,
        [instanceId, [...voided.keys()], [...voided.values()].map((v) => v.day), [...voided.values()].map((v) => v.at)],
      );
    }
  }
}
