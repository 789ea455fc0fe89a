import type { FieldError } from '../../api-error';
import type { FieldType } from '../../events/query/entity-type-defined.v1';
import type { AggregateDto } from './aggregate.dto';
import { BUILT_IN_FIELDS } from './record-fields';
import { isDate, parseDatetime } from './values';
import { NUL_CHARACTER_MESSAGE } from '../nul-character';

/** A field of an entity's records, with its type. */
export interface TypedField {
  name: string;
  type: FieldType;
}

const COMPARABLE = new Set<FieldType>(['string', 'number', 'date', 'datetime']);

function valueOk(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return isDate(value);
    case 'datetime':
      return parseDatetime(value) !== undefined;
    case 'json':
      return false;
  }
}

/**
 * Checks an aggregate request against the fields its entity's records have (the entity's own
 * `fields` and the built-in ones): every name is a field, an aggregate fits its field's type,
 * values are of the field's type, order_by names an output column. The gateway checks this before
 * charging, the query service before building the statement. Answers the output columns, or what
 * is wrong.
 */
export function checkAggregate(fields: readonly TypedField[], dto: AggregateDto): { columns: TypedField[]; errors: FieldError[] } {
  const types = new Map([...BUILT_IN_FIELDS, ...fields].map((f) => [f.name, f.type]));
  const errors: FieldError[] = [];
  const groupBy = dto.group_by ?? [];
  groupBy.forEach((name, i) => {
    if (!types.has(name)) errors.push({ field: `group_by.${i}`, message: `unknown field ${name}` });
  });

  const anyAgg = dto.select.some((s) => s.agg);
  const columns: TypedField[] = [];
  const add = (column: TypedField, i: number) => {
    if (columns.some((c) => c.name === column.name)) errors.push({ field: `select.${i}`, message: `${column.name} is selected twice` });
    else columns.push(column);
  };
  dto.select.forEach((s, i) => {
    const type = types.get(s.name);
    if (!type) return void errors.push({ field: `select.${i}.name`, message: `unknown field ${s.name}` });
    if (!s.agg) {
      if ((anyAgg || groupBy.length) && !groupBy.includes(s.name)) {
        return void errors.push({ field: `select.${i}.name`, message: `${s.name} must be aggregated or listed in group_by` });
      }
      return add({ name: s.name, type }, i);
    }
    const name = `${s.name}_${s.agg}`;
    if ((s.agg === 'sum' || s.agg === 'avg') && type !== 'number') {
      return void errors.push({ field: `select.${i}.agg`, message: `${s.agg} needs a number field` });
    }
    if ((s.agg === 'min' || s.agg === 'max') && !COMPARABLE.has(type)) {
      return void errors.push({ field: `select.${i}.agg`, message: `${s.agg} needs a comparable field` });
    }
    add({ name, type: s.agg === 'min' || s.agg === 'max' ? type : 'number' }, i);
  });

  (dto.where ?? []).forEach((w, i) => {
    const type = types.get(w.name);
    if (!type) return void errors.push({ field: `where.${i}.name`, message: `unknown field ${w.name}` });
    // null asks whether there is a value at all, for a field of any type.
    if (w.value === null) {
      if (w.op !== '=' && w.op !== '!=') errors.push({ field: `where.${i}.value`, message: 'null goes only with = and !=' });
      return;
    }
    // PostgreSQL cannot take U+0000 in a text value; no stored value holds it either.
    if ([w.value].flat().some((v) => typeof v === 'string' && v.includes('\u0000'))) {
      return void errors.push({ field: `where.${i}.value`, message: NUL_CHARACTER_MESSAGE });
    }
    if (w.op === 'contains') {
      if (type !== 'string' || typeof w.value !== 'string') {
        errors.push({ field: `where.${i}.value`, message: 'contains needs a string field and a string value' });
      }
    } else if (w.op === 'in') {
      // An empty list is a selection of nothing, and matches no record.
      if (type === 'json' || !Array.isArray(w.value) || !w.value.every((v) => valueOk(type, v))) {
        errors.push({ field: `where.${i}.value`, message: `in needs a list of ${type} values` });
      }
    } else if (!valueOk(type, w.value) || (type === 'boolean' && w.op !== '=' && w.op !== '!=')) {
      errors.push({ field: `where.${i}.value`, message: `must be a ${type} value usable with ${w.op}` });
    }
  });

  // An aggregate's column is named after its field and function (`id_count`): say which names there are.
  const names = columns.map((c) => c.name).join(', ');
  (dto.order_by ?? []).forEach((o, i) => {
    if (columns.some((c) => c.name === o.name)) return;
    errors.push({ field: `order_by.${i}.name`, message: `${o.name} is not a selected column${names ? ` (the columns are ${names})` : ''}` });
  });
  return { columns, errors };
}
