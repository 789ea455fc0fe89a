import { Controller, Get, Query } from '@nestjs/common';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { Clock } from '../../clock';
import { callerInstance } from '../caller-access';
import { readAccount } from '../credit-ledger.projection';
import { localDay } from '../credit-period';
import { UsageQueryDto, type UsageGroup } from './usage.dto';

const COLUMN: Record<UsageGroup, { field: string; sql: string }> = {
  day: { field: 'day', sql: 'c.day' },
  key: { field: 'keyId', sql: 'c.key_id' },
  user: { field: 'userId', sql: 'c.user_id' },
  entity: { field: 'entity', sql: 'e.entity' },
};

const MAX_RANGE_DAYS = 366;
const FIRST_DAY = '0001-01-01';

/** Consumption history from the per-request ledger: charged requests, refunds excluded, by local day. */
@Controller('usage')
export class UsageHttpController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  @Get()
  async usage(@CurrentPrincipal() principal: Principal, @Query() query: UsageQueryDto) {
    const instanceId = callerInstance(principal);
    // Usage names every key, user and entity of the instance: more than a key restricted to a few entities may see.
    if (principal.kind === 'data') throw ApiException.forbidden("A data key reads its entities' records, not the instance's usage");
    const account = await readAccount(this.dataSource.manager, instanceId);
    // After a move to a zone behind the pool's, the current pool's day is ahead of the local date.
    const today = localDay(this.clock.now(), account.timezone);
    const to = query.to ?? (account.exists && account.day > today ? account.day : today);
    const monthBefore = DateTime.fromISO(to).minus({ days: 29 }).toISODate()!;
    // Days start at 0001-01-01: the month before an earlier `to` would be a year 0 no caller may name.
    const from = query.from ?? (monthBefore < FIRST_DAY ? FIRST_DAY : monthBefore);
    const [fromDate, toDate] = [DateTime.fromISO(from), DateTime.fromISO(to)];
    if (!fromDate.isValid) throw ApiException.validation([{ field: 'from', message: 'from is not a valid date' }]);
    if (!toDate.isValid) throw ApiException.validation([{ field: 'to', message: 'to is not a valid date' }]);
    if (fromDate > toDate) throw ApiException.validation([{ field: 'from', message: 'from must not be after to' }]);
    if (toDate.diff(fromDate, 'days').days >= MAX_RANGE_DAYS) {
      throw ApiException.validation([{ field: 'from', message: `at most ${MAX_RANGE_DAYS} days at once` }]);
    }
    const groupBy = query.groupBy ?? 'day';
    const column = COLUMN[groupBy];
    // An entity's credits: one per entity asked, the documented cost rule.
    const credits = groupBy === 'entity' ? 'count(*)' : 'sum(c.cost)';
    // A sum over several days' pools passes 2^31 (a pool holds up to MAX_DAILY_CREDITS): bigint, which pg reads as text.
    const rows: { key: string | null; credits: string; requests: string }[] = await this.dataSource.query(
      `SELECT ${column.sql} AS key, ${credits}::bigint AS credits, count(DISTINCT c.request_id) AS requests
         FROM credit_charges c ${groupBy === 'entity' ? 'CROSS JOIN LATERAL unnest(c.entities) AS e(entity)' : ''}
        WHERE c.instance_id = $1 AND c.day BETWEEN $2 AND $3 AND c.refunded_at IS NULL
        GROUP BY 1 ORDER BY ${groupBy === 'day' ? '1' : '2 DESC, 1'}`,
      [instanceId, from, to],
    );
    const [total]: { credits: string; requests: string }[] = await this.dataSource.query(
      `SELECT coalesce(sum(cost), 0)::bigint AS credits, count(*) AS requests FROM credit_charges
        WHERE instance_id = $1 AND day BETWEEN $2 AND $3 AND refunded_at IS NULL`,
      [instanceId, from, to],
    );
    return {
      from,
      to,
      groupBy,
      total: { credits: Number(total.credits), requests: Number(total.requests) },
      usage: rows.map((r) => ({ [column.field]: r.key, credits: Number(r.credits), requests: Number(r.requests) })),
    };
  }
}
