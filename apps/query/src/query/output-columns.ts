import type { FieldType } from '@tollgate/contracts';
import type { EntityType } from '../entity-types/entity-type';

export type ColumnType = FieldType | 'responsibilities';

/** One column of a query's output, with the SQL that reads it as JSON and as text. */
export interface OutputColumn {
  name: string;
  type: ColumnType;
  json: string;
  text: string;
}

const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/**
 * Written compactly, like the rest of a JSON record: jsonb's own text puts spaces after `:` and
 * `,`. json_strip_nulls re-writes it without them and drops nothing here, since an entry's
 * `userId` and `role` are never null. (A `json` field's value is written as stored: its nulls are
 * data.)
 */
const RESPONSIBILITIES = `CASE WHEN responsibilities IS NULL THEN '[]'::json ELSE json_strip_nulls(responsibilities::json) END`;

const BUILT_IN: OutputColumn[] = [
  { name: 'id', type: 'string', json: 'id', text: 'id' },
  { name: 'title', type: 'string', json: 'title', text: 'title' },
  { name: 'createdAt', type: 'datetime', json: iso('created_at'), text: iso('created_at') },
  { name: 'updatedAt', type: 'datetime', json: iso('updated_at'), text: iso('updated_at') },
];

/**
 * Every column an entity's records have, in output order. Field names are identifiers checked
 * against ^[a-z][a-z0-9_]*$ when the type was defined, so they are safe as SQL literals.
 */
export function columnsOf(type: EntityType): OutputColumn[] {
  const own = type.fields.map<OutputColumn>((f) => ({
    name: f.name,
    type: f.type,
    json: `fields->'${f.name}'`,
    // A json field set to null is written as an empty cell, as a null of any other type (and as
    // one never set) is: `->>` reads those as SQL NULL, jsonb's own text would say `null`.
    text: f.type === 'json' ? `nullif(fields->'${f.name}', 'null'::jsonb)::text` : `fields->>'${f.name}'`,
  }));
  return [
    ...BUILT_IN,
    ...own,
    { name: 'responsibilities', type: 'responsibilities', json: RESPONSIBILITIES, text: `${RESPONSIBILITIES}::text` },
  ];
}

/** The columns `display` keeps, in the order it lists them (names the entity lacks are skipped). */
export function selectColumns(all: OutputColumn[], display?: string[]): OutputColumn[] {
  if (!display) return all;
  const byName = new Map(all.map((c) => [c.name, c]));
  return display.map((name) => byName.get(name)).filter((c): c is OutputColumn => c !== undefined);
}
