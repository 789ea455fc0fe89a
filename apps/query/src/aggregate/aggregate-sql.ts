import type { FieldError, FieldType } from '@tollgate/contracts';
import type { EntityType } from '../entity-types/entity-type';
import { parseDatetime } from '../records/validate-rows';
import { AGGREGATE_MAX_ROWS, type AggregateDto, type Operator } from '@tollgate/contracts';

interface Source {
  type: FieldType;
  /** Typed SQL expression; names are identifiers checked when the type was defined. */
  sql: string;
}

const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const CAST: Record<FieldType, string> = {
  string: 'text',
  number: 'float8',
  boolean: 'boolean',
  date: 'date',
  datetime: 'timestamptz',
  json: 'jsonb',
};

function sourcesOf(type: EntityType): Map<string, Source> {
  const map = new Map<string, Source>([
    ['id', { type: 'string', sql: 'id' }],
    ['title', { type: 'string', sql: 'title' }],
    ['createdAt', { type: 'datetime', sql: 'created_at' }],
    ['updatedAt', { type: 'datetime', sql: 'updated_at' }],
  ]);
  for (const f of type.fields) {
    map.set(f.name, { type: f.type, sql: f.type === 'json' ? `(fields->'${f.name}')` : `((fields->>'${f.name}')::${CAST[f.type]})` });
  }
  return map;
}

/** How a value of this type leaves the database: JSON-friendly text for dates. */
function output(type: FieldType, sql: string): string {
  if (type === 'datetime') return ISO(sql);
  if (type === 'date') return `${sql}::text`;
  return sql;
}

function valueOk(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
    case 'datetime':
      return parseDatetime(value) !== undefined;
    case 'json':
      return false;
  }
}

const COMPARABLE = new Set<FieldType>(['string', 'number', 'date', 'datetime']);

export interface AggregateQuery {
  columns: { name: string; type: FieldType }[];
  text: string;
  values: unknown[];
  limit: number;
}

/**
 * Builds the aggregate statement. Every identifier must be one of the entity's fields (so it is
 * a checked identifier); every value is a bound parameter. Returns field errors instead of SQL
 * when the request does not fit the entity.
 */
export function aggregateSql(
  type: EntityType,
  instanceId: string,
  dto: AggregateDto,
): { ok: true; query: AggregateQuery } | { ok: false; errors: FieldError[] } {
  const sources = sourcesOf(type);
  const errors: FieldError[] = [];
  const values: unknown[] = [instanceId, type.name];
  const bind = (value: unknown, cast: string) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };

  const groupBy = dto.group_by ?? [];
  groupBy.forEach((name, i) => {
    if (!sources.has(name)) errors.push({ field: `group_by.${i}`, message: `unknown field ${name}` });
  });
  const anyAgg = dto.select.some((s) => s.agg);
  const columns: AggregateQuery['columns'] = [];
  const selectSql: string[] = [];
  dto.select.forEach((s, i) => {
    const source = sources.get(s.name);
    if (!source) return void errors.push({ field: `select.${i}.name`, message: `unknown field ${s.name}` });
    if (!s.agg) {
      if ((anyAgg || groupBy.length) && !groupBy.includes(s.name)) {
        return void errors.push({ field: `select.${i}.name`, message: `${s.name} must be aggregated or listed in group_by` });
      }
      columns.push({ name: s.name, type: source.type });
      return void selectSql.push(output(source.type, source.sql));
    }
    const name = `${s.name}_${s.agg}`;
    switch (s.agg) {
      case 'count':
        columns.push({ name, type: 'number' });
        return void selectSql.push(`count(${source.sql})::int`);
      case 'count_distinct':
        columns.push({ name, type: 'number' });
        return void selectSql.push(`count(DISTINCT ${source.sql})::int`);
      case 'sum':
      case 'avg':
        if (source.type !== 'number') return void errors.push({ field: `select.${i}.agg`, message: `${s.agg} needs a number field` });
        columns.push({ name, type: 'number' });
        return void selectSql.push(`${s.agg}(${source.sql})::float8`);
      case 'min':
      case 'max':
        if (!COMPARABLE.has(source.type)) return void errors.push({ field: `select.${i}.agg`, message: `${s.agg} needs a comparable field` });
        columns.push({ name, type: source.type });
        return void selectSql.push(output(source.type, `${s.agg}(${source.sql})`));
    }
  });

  const where = ['instance_id = $1', 'entity = $2'];
  (dto.where ?? []).forEach((w, i) => {
    const source = sources.get(w.name);
    if (!source) return void errors.push({ field: `where.${i}.name`, message: `unknown field ${w.name}` });
    const cast = CAST[source.type];
    const op: Operator = w.op;
    if (op === 'contains') {
      if (source.type !== 'string' || typeof w.value !== 'string') {
        return void errors.push({ field: `where.${i}.value`, message: 'contains needs a string field and a string value' });
      }
      return void where.push(`strpos(${source.sql}, ${bind(w.value, 'text')}) > 0`);
    }
    if (op === 'in') {
      if (!Array.isArray(w.value) || w.value.length === 0 || !w.value.every((v) => valueOk(source.type, v))) {
        return void errors.push({ field: `where.${i}.value`, message: `in needs a non-empty list of ${source.type} values` });
      }
      return void where.push(`${source.sql} = ANY(${bind(w.value, `${cast}[]`)})`);
    }
    if (!valueOk(source.type, w.value) || (source.type === 'boolean' && op !== '=' && op !== '!=')) {
      return void errors.push({ field: `where.${i}.value`, message: `must be a ${source.type} value usable with ${op}` });
    }
    const sqlOp = op === '!=' ? 'IS DISTINCT FROM' : op;
    where.push(`${source.sql} ${sqlOp} ${bind(w.value, cast)}`);
  });

  const order: string[] = [];
  (dto.order_by ?? []).forEach((o, i) => {
    const position = columns.findIndex((c) => c.name === o.name);
    if (position < 0) return void errors.push({ field: `order_by.${i}.name`, message: `${o.name} is not a selected column` });
    order.push(`${position + 1} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`);
  });

  if (errors.length) return { ok: false, errors };
  const limit = Math.min(dto.limit ?? AGGREGATE_MAX_ROWS, AGGREGATE_MAX_ROWS);
  let text = `SELECT ${selectSql.join(', ')} FROM records WHERE ${where.join(' AND ')}`;
  if (groupBy.length) text += ` GROUP BY ${groupBy.map((g) => sources.get(g)!.sql).join(', ')}`;
  if (order.length) text += ` ORDER BY ${order.join(', ')}`;
  // One row more than allowed tells whether the result was cut.
  text += ` LIMIT ${limit + 1}`;
  return { ok: true, query: { columns, text, values, limit } };
}
