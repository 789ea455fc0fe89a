import { AGGREGATE_MAX_ROWS, checkAggregate, type AggregateDto, type FieldError, type FieldType } from '@tollgate/contracts';
import type { EntityType } from '../entity-types/entity-type';

interface Source {
  type: FieldType;
  /** Typed SQL expression; names are identifiers checked when the type was defined. */
  sql: string;
  /**
   * Numbers as the exact decimals they are stored as, for sums and averages: added up as float8,
   * ten times 0.1 makes 0.9999999999999999, and an average of values near 1e308 overflows.
   */
  exact?: string;
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
    map.set(f.name, {
      type: f.type,
      // A json field set to null is a SQL NULL, as `->>` makes of a null of any other type: counted
      // as no value and grouped with the records that never had one.
      sql: f.type === 'json' ? `nullif(fields->'${f.name}', 'null'::jsonb)` : `((fields->>'${f.name}')::${CAST[f.type]})`,
      ...(f.type === 'number' ? { exact: `((fields->>'${f.name}')::numeric)` } : {}),
    });
  }
  return map;
}

/** How a value of this type leaves the database: JSON-friendly text for dates. */
function output(type: FieldType, sql: string): string {
  if (type === 'datetime') return ISO(sql);
  if (type === 'date') return `${sql}::text`;
  return sql;
}

export interface AggregateQuery {
  columns: { name: string; type: FieldType }[];
  text: string;
  values: unknown[];
  limit: number;
}

/**
 * Builds the aggregate statement for a request `checkAggregate` accepts (else its errors): every
 * identifier is one of the entity's fields, so a checked identifier; every value is a bound
 * parameter.
 */
export function aggregateSql(
  type: EntityType,
  instanceId: string,
  dto: AggregateDto,
): { ok: true; query: AggregateQuery } | { ok: false; errors: FieldError[] } {
  const { columns, errors } = checkAggregate(type.fields, dto);
  if (errors.length) return { ok: false, errors };
  const sources = sourcesOf(type);
  const source = (name: string) => sources.get(name)!;
  const values: unknown[] = [instanceId, type.name];
  const bind = (value: unknown, cast: string) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };

  const selectSql = dto.select.map(({ name, agg }) => {
    const { type: fieldType, sql, exact } = source(name);
    switch (agg) {
      case undefined:
        return output(fieldType, sql);
      case 'count':
        return `count(${sql})::int`;
      case 'count_distinct':
        return `count(DISTINCT ${sql})::int`;
      case 'sum':
      case 'avg':
        // Added up exactly, then rounded once to the nearest number a JSON reader gets.
        return `${agg}(${exact ?? sql})::float8`;
      case 'min':
      case 'max':
        return output(fieldType, `${agg}(${sql})`);
    }
  });

  const where = ['instance_id = $1', 'entity = $2'];
  for (const w of dto.where ?? []) {
    const { type: fieldType, sql } = source(w.name);
    const cast = CAST[fieldType];
    if (w.value === null) where.push(`${sql} IS ${w.op === '=' ? '' : 'NOT '}NULL`);
    else if (w.op === 'contains') where.push(`strpos(${sql}, ${bind(w.value, 'text')}) > 0`);
    else if (w.op === 'in') where.push(`${sql} = ANY(${bind(w.value, `${cast}[]`)})`);
    else where.push(`${sql} ${w.op === '!=' ? 'IS DISTINCT FROM' : w.op} ${bind(w.value, cast)}`);
  }

  const groupBy = dto.group_by ?? [];
  // After what order_by asks, groups come in the order of their fields, and plain rows newest
  // first as a records query's do: the rows, and the ones a limit keeps, are the same on every
  // call (hash aggregation and table scans alone yield any order).
  const plainRows = groupBy.length === 0 && dto.select.every((s) => !s.agg);
  const order = [
    ...(dto.order_by ?? []).map((o) => `${columns.findIndex((c) => c.name === o.name) + 1} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`),
    ...(plainRows ? ['created_at DESC', 'pk DESC'] : groupBy.map((g) => source(g).sql)),
  ];
  const limit = Math.min(dto.limit ?? AGGREGATE_MAX_ROWS, AGGREGATE_MAX_ROWS);
  let text = `SELECT ${selectSql.join(', ')} FROM records WHERE ${where.join(' AND ')}`;
  if (groupBy.length) text += ` GROUP BY ${groupBy.map((g) => source(g).sql).join(', ')}`;
  if (order.length) text += ` ORDER BY ${order.join(', ')}`;
  // One row more than allowed tells whether the result was cut.
  text += ` LIMIT ${limit + 1}`;
  return { ok: true, query: { columns, text, values, limit } };
}
