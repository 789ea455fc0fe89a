import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiException } from '@tollgate/service-runtime';
import { creditAccountStream } from '../credit-account.events';
import { readAccount } from '../credit-ledger.projection';
import { localDay } from '../credit-period';

export interface LedgerAudit {
  instanceId: string;
  day: string;
  allowance: number;
  /**
   * Plan changes during the day (a raise adds, a lowering caps), less what refunds could not give
   * back under a lowered allowance (their `capped`).
   */
  adjustments: number;
  consumed: number;
  refunded: number;
  remaining: number;
  /** allowance + adjustments - consumed + refunded, from the events alone. */
  expectedRemaining: number;
  consumedEvents: number;
  refundedEvents: number;
  /** Net credits of the day's charged requests in the per-request ledger. */
  ledgerNet: number;
  /** Current day only: the balance every reader sees. */
  snapshotRemaining?: number;
  balanced: boolean;
}

interface PeriodStart {
  version: number;
  type: string;
  data: { day?: string; allowance?: number; dailyCredits?: number; timezone?: string };
  occurred_at: Date;
}

/**
 * Proves one instance's day from the event store: the day's pool starts at its reset (or at the
 * account's creation), and allowance + adjustments - consumed + refunded must equal what remained
 * at the day's last event, the per-request ledger and (today) the live balance.
 */
@Injectable()
export class LedgerAuditor {
  constructor(private readonly dataSource: DataSource) {}

  async audit(instanceId: string, day?: string): Promise<LedgerAudit> {
    const streamId = creditAccountStream(instanceId);
    const q = (sql: string, params: unknown[]) => this.dataSource.query(sql, params);
    const starts: PeriodStart[] = await q(
      `SELECT version, type, data, occurred_at FROM events
        WHERE stream_id = $1 AND (type = 'CreditsReset' OR version = 1) ORDER BY version`,
      [streamId],
    );
    if (starts.length === 0) throw ApiException.notFound('No credit account for this instance');
    const periods = starts.map((s) => ({
      version: s.version,
      day: s.type === 'CreditsReset' ? s.data.day! : localDay(new Date(s.occurred_at), s.data.timezone!),
      allowance: s.type === 'CreditsReset' ? s.data.allowance! : s.data.dailyCredits!,
    }));
    const target = day ?? periods[periods.length - 1].day;
    // Pools written before days were kept from repeating can share one: the day's own is the last.
    const index = periods.findLastIndex((p) => p.day === target);
    if (index < 0) throw ApiException.notFound(`No credit pool for ${target}`);
    const start = periods[index];
    const end = index + 1 < periods.length ? periods[index + 1].version : 2_147_483_647;

    const [sums] = await q(
      `SELECT coalesce(sum((data->>'cost')::int) FILTER (WHERE type = 'CreditsConsumed'), 0)::int AS consumed,
              count(*) FILTER (WHERE type = 'CreditsConsumed')::int AS consumed_events,
              coalesce(sum((data->>'amount')::int) FILTER (WHERE type = 'CreditsRefunded'), 0)::int AS refunded,
              count(*) FILTER (WHERE type = 'CreditsRefunded')::int AS refunded_events,
              coalesce(sum((data->>'capped')::int) FILTER (WHERE type = 'CreditsRefunded'), 0)::int AS capped,
              coalesce(max(version), $2)::int AS last_version
         FROM events WHERE stream_id = $1 AND version > $2 AND version < $3`,
      [streamId, start.version, end],
    );
    const [adjust] = await q(
      // Against the pool before the change: the latest event that says what remained (a
      // ChargeVoided moves no credits and says nothing of the pool).
      `SELECT coalesce(sum((e.data->>'remaining')::int - (
                SELECT (p.data->>'remaining')::int FROM events p
                 WHERE p.stream_id = e.stream_id AND p.version < e.version AND p.data ? 'remaining'
                 ORDER BY p.version DESC LIMIT 1)), 0)::int AS adjustments
         FROM events e
        WHERE e.stream_id = $1 AND e.type = 'PlanChanged' AND e.version > $2 AND e.version < $3`,
      [streamId, start.version, end],
    );
    const [last] = await q(
      `SELECT (data->>'remaining')::int AS remaining FROM events
        WHERE stream_id = $1 AND version <= $2 AND data ? 'remaining' ORDER BY version DESC LIMIT 1`,
      [streamId, sums.last_version],
    );
    const [ledger] = await q(
      `SELECT coalesce(sum(cost), 0)::int AS net FROM credit_charges WHERE instance_id = $1 AND day = $2 AND refunded_at IS NULL`,
      [instanceId, target],
    );
    // The day's charges refunded, whenever: a charge refunded after the next reset is refunded in
    // the next day's events (with nothing back to that pool), but is no longer this day's.
    const [refundsOfDay] = await q(
      `SELECT coalesce(sum((data->>'amount')::int), 0)::int AS refunded FROM events
        WHERE stream_id = $1 AND type = 'CreditsRefunded' AND version > $2
          AND CASE WHEN data ? 'day' THEN data->>'day' = $4 ELSE version < $3 END`,
      [streamId, start.version, end, target],
    );
    const current = index === periods.length - 1;
    const snapshot = current ? (await readAccount(this.dataSource.manager, instanceId)).remaining : undefined;

    // A refund's amount is the charge it undoes (the per-request ledger's terms); what the pool's
    // allowance kept of it is a cap, as a lowered plan's is.
    const adjustments = adjust.adjustments - sums.capped;
    const expectedRemaining = start.allowance + adjustments - sums.consumed + sums.refunded;
    const balanced =
      expectedRemaining === last.remaining &&
      last.remaining >= 0 &&
      ledger.net === sums.consumed - refundsOfDay.refunded &&
      (snapshot === undefined || snapshot === last.remaining);
    return {
      instanceId,
      day: target,
      allowance: start.allowance,
      adjustments,
      consumed: sums.consumed,
      refunded: sums.refunded,
      remaining: last.remaining,
      expectedRemaining,
      consumedEvents: sums.consumed_events,
      refundedEvents: sums.refunded_events,
      ledgerNet: ledger.net,
      ...(snapshot !== undefined ? { snapshotRemaining: snapshot } : {}),
      balanced,
    };
  }
}
