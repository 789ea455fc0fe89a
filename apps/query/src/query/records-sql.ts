import type { OutputColumn } from './output-columns';
import type { QueryPlan } from './query-plan';

// Alphabetical means case-insensitive; the title index is on lower(title) to match. Columns of
// `records` are named with the table: in the JSON form, the output's names (`title`, or a field
// called `created_at`) are in scope beside them.
const SORT_COLUMN = { created: 'records.created_at', updated: 'records.updated_at', alpha: 'lower(records.title)' } as const;

const RECORD_ALIAS = '"Record"';
const FIRST_DAY = '0001-01-01';
const LAST_DAY = '9999-12-31';

/**
 * The statement reading one entity's records for a plan. Everything the client sent is a bound
 * parameter; the ORDER BY matches one of the (instance_id, entity, <sort>, pk) indexes, so a
 * limit reads only the rows it returns.
 */
export function recordsSql(
  plan: QueryPlan,
  target: { instanceId: string; entity: string; userId?: string; timezone?: string },
  columns: OutputColumn[],
  as: 'json' | 'text',
): { text: string; values: unknown[] } {
  const values: unknown[] = [target.instanceId, target.entity];
  const where = ['records.instance_id = $1', 'records.entity = $2'];
  // Days are the instance's, as its credit pool's are: a day starts at midnight in its time zone.
  const midnight = (day: string, plus: 0 | 1) => {
    values.push(day);
    const date = plus ? `($${values.length}::date + 1)` : `$${values.length}::date`;
    values.push(target.timezone ?? 'UTC');
    return `${date}::timestamp AT TIME ZONE $${values.length}::text`;
  };
  // The calendar's first and last days are open ends in any zone: a record at 00:30 UTC on
  // 0001-01-01 falls on the day before in New York, a day no one can name.
  if (plan.from && plan.from !== FIRST_DAY) where.push(`records.created_at >= ${midnight(plan.from, 0)}`);
  if (plan.to && plan.to !== LAST_DAY) where.push(`records.created_at < ${midnight(plan.to, 1)}`);
  if (plan.mine) {
    values.push([target.userId ?? '']);
    where.push(`records.responsible_users @> $${values.length}::text[]`);
  }
  // JSON: each record one object, keys in output order, written compactly by row_to_json (about a
  // fifth cheaper than json_build_object, which also writes "key" : value). The lateral select
  // only names the columns; PostgreSQL folds it into the scan. Its alias must be a name no output
  // column can have (field names are lower case), or row_to_json would be handed that column.
  const json = as === 'json' && columns.length > 0;
  const select = json ? `row_to_json(${RECORD_ALIAS})::text` : as === 'json' ? `'{}'` : columns.map((c) => c.text).join(', ');
  const from = json ? `records CROSS JOIN LATERAL (SELECT ${columns.map((c) => `${c.json} AS "${c.name}"`).join(', ')}) ${RECORD_ALIAS}` : 'records';
  const dir = plan.order === 'asc' ? 'ASC' : 'DESC';
  let text = `SELECT ${select || 'NULL'} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${SORT_COLUMN[plan.sort]} ${dir}, records.pk ${dir}`;
  if (plan.limit !== undefined) {
    // Written into the text rather than bound: a plan that knows the limit costs like the plans
    // made for each call, so PostgreSQL keeps one plan for a prepared read instead of planning
    // every call. The parser admits only whole numbers here.
    if (!Number.isSafeInteger(plan.limit) || plan.limit < 1) throw new Error(`invalid limit ${plan.limit}`);
    text += ` LIMIT ${plan.limit}`;
  }
  return { text, values };
}
