import type { OutputColumn } from './output-columns';
import type { QueryPlan } from './query-plan';

// Alphabetical means case-insensitive; the title index is on lower(title) to match.
const SORT_COLUMN = { created: 'created_at', updated: 'updated_at', alpha: 'lower(title)' } as const;

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

/**
 * The statement reading one entity's records for a plan. Everything the client sent is a bound
 * parameter; the ORDER BY matches one of the (instance_id, entity, <sort>, pk) indexes, so a
 * limit reads only the rows it returns.
 */
export function recordsSql(
  plan: QueryPlan,
  target: { instanceId: string; entity: string; userId?: string },
  columns: OutputColumn[],
  as: 'json' | 'text',
): { text: string; values: unknown[] } {
  const values: unknown[] = [target.instanceId, target.entity];
  const where = ['instance_id = $1', 'entity = $2'];
  if (plan.from) {
    values.push(`${plan.from}T00:00:00.000Z`);
    where.push(`created_at >= $${values.length}::timestamptz`);
  }
  if (plan.to) {
    values.push(nextDay(plan.to));
    where.push(`created_at < $${values.length}::timestamptz`);
  }
  if (plan.mine) {
    values.push([target.userId ?? '']);
    where.push(`responsible_users @> $${values.length}::text[]`);
  }
  const select =
    as === 'json'
      ? `json_build_object(${columns.map((c) => `'${c.name}', ${c.json}`).join(', ')})::text`
      : columns.map((c) => c.text).join(', ');
  const dir = plan.order === 'asc' ? 'ASC' : 'DESC';
  let text = `SELECT ${select || 'NULL'} FROM records WHERE ${where.join(' AND ')} ORDER BY ${SORT_COLUMN[plan.sort]} ${dir}, pk ${dir}`;
  if (plan.limit !== undefined) {
    // Written into the text rather than bound: a plan that knows the limit costs like the plans
    // made for each call, so PostgreSQL keeps one plan for a prepared read instead of planning
    // every call. The parser admits only whole numbers here.
    if (!Number.isSafeInteger(plan.limit) || plan.limit < 1) throw new Error(`invalid limit ${plan.limit}`);
    text += ` LIMIT ${plan.limit}`;
  }
  return { text, values };
}
