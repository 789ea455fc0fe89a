import { randomUUID } from 'node:crypto';
import { DATETIME_MESSAGE, holdsNulCharacter, isDate, NUL_CHARACTER_MESSAGE, parseDatetime, type FieldError } from '@tollgate/contracts';
import type { EntityField, EntityType } from '../entity-types/entity-type';
import type { BatchAction, RecordRow, ValidOperation } from './record-row';

const MAX_ERRORS = 50;

export interface OperationInput {
  action: BatchAction;
  primaryKey?: string;
  rows: unknown[];
}

/** The stored value of one typed field, or an error message. */
function typed(field: EntityField, value: unknown): { value: unknown } | { error: string } {
  if (value === null) return { value: null };
  if (holdsNulCharacter(value)) return { error: NUL_CHARACTER_MESSAGE };
  switch (field.type) {
    case 'string':
      return typeof value === 'string' ? { value } : { error: 'must be a string' };
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { value } : { error: 'must be a number' };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { error: 'must be true or false' };
    case 'date':
      return isDate(value) ? { value } : { error: 'must be a date YYYY-MM-DD' };
    case 'datetime': {
      const iso = parseDatetime(value);
      return iso ? { value: iso } : { error: DATETIME_MESSAGE };
    }
    case 'json':
      return { value };
  }
}

const MAX_KEY_LENGTH = 512;
/**
 * Titles are indexed with the record's instance, entity and key (for sort=alpha), and PostgreSQL
 * refuses an index entry past 2704 bytes: a longer title would fail the whole batch as an internal
 * error. This budget leaves room for the entry's own headers.
 */
const TITLE_INDEX_BYTES = 2600;

function keyOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_KEY_LENGTH) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Why a string that is given is no key: a client that sent one should not hear it is missing. */
function stringKeyProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 0) return 'must not be empty';
  return value.length > MAX_KEY_LENGTH ? `must be at most ${MAX_KEY_LENGTH} characters` : undefined;
}

function responsibilitiesOf(value: unknown): RecordRow['responsibilities'] | undefined {
  if (value === null) return null;
  if (!Array.isArray(value)) return undefined;
  const out: { userId: string; role: string }[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    const { userId, role, ...rest } = item as Record<string, unknown>;
    if (typeof userId !== 'string' || !userId || typeof role !== 'string' || Object.keys(rest).length) return undefined;
    out.push({ userId, role });
  }
  return out;
}

/** The first MAX_ERRORS problems, and how many there are in all. */
class Collector {
  readonly errors: FieldError[] = [];
  total = 0;
  add(field: string, message: string): void {
    if (this.total++ < MAX_ERRORS) this.errors.push({ field, message });
  }
  get message(): string {
    return this.total > this.errors.length ? `Validation failed: ${this.total} problems, the first ${this.errors.length} listed` : 'Validation failed';
  }
}

function validateRow(type: EntityType, raw: unknown, at: string, action: BatchAction, errors: Collector): RecordRow | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    errors.add(at, 'must be an object');
    return undefined;
  }
  const declared = new Map(type.fields.map((f) => [f.name, f]));
  const row: RecordRow = {
    pk: '',
    id: null,
    title: null,
    created_at: null,
    updated_at: null,
    fields: {},
    responsibilities: null,
    has: { title: false, responsibilities: false },
  };
  const before = errors.total;
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const where = `${at}.${name}`;
    switch (name) {
      case 'id': {
        const id = keyOf(value);
        if (holdsNulCharacter(value)) errors.add(where, NUL_CHARACTER_MESSAGE);
        else if (id === undefined) errors.add(where, stringKeyProblem(value) ?? 'must be a non-empty string or a number');
        else row.id = id;
        break;
      }
      case 'title':
        if (typeof value !== 'string') errors.add(where, 'must be a string');
        else if (holdsNulCharacter(value)) errors.add(where, NUL_CHARACTER_MESSAGE);
        else {
          row.title = value;
          row.has.title = true;
        }
        break;
      case 'createdAt':
      case 'updatedAt': {
        const iso = parseDatetime(value);
        if (!iso) errors.add(where, DATETIME_MESSAGE);
        else if (name === 'createdAt') row.created_at = iso;
        else row.updated_at = iso;
        break;
      }
      case 'responsibilities': {
        const list = responsibilitiesOf(value);
        // The users are indexed (for mine=true), and PostgreSQL refuses an index entry much longer.
        const longUser = list?.findIndex((r) => r.userId.length > MAX_KEY_LENGTH) ?? -1;
        if (holdsNulCharacter(value)) errors.add(where, NUL_CHARACTER_MESSAGE);
        else if (list === undefined) errors.add(where, 'must be a list of {"userId","role"}');
        else if (longUser !== -1) errors.add(`${where}.${longUser}.userId`, `must be at most ${MAX_KEY_LENGTH} characters`);
        else {
          row.responsibilities = list;
          row.has.responsibilities = true;
        }
        break;
      }
      default: {
        const field = declared.get(name);
        if (!field) {
          errors.add(where, `unknown field ${name}`);
          break;
        }
        const result = typed(field, value);
        if ('error' in result) errors.add(where, result.error);
        else row.fields[name] = result.value;
      }
    }
  }
  if (errors.total > before) return undefined;
  if (type.primaryKey === 'id') {
    if (row.id === null && action === 'insert') row.id = randomUUID();
    if (row.id === null) {
      errors.add(`${at}.id`, 'the primary key id is required');
      return undefined;
    }
    row.pk = row.id;
  } else {
    const pk = keyOf(row.fields[type.primaryKey]);
    if (pk === undefined) {
      errors.add(`${at}.${type.primaryKey}`, stringKeyProblem(row.fields[type.primaryKey]) ?? `the primary key ${type.primaryKey} is required`);
      return undefined;
    }
    row.pk = pk;
    if (row.id === null && action === 'insert') row.id = randomUUID();
  }
  if (row.has.title && row.title) {
    const room = TITLE_INDEX_BYTES - Buffer.byteLength(type.instanceId) - Buffer.byteLength(type.name) - Buffer.byteLength(row.pk);
    const bytes = Math.max(Buffer.byteLength(row.title), Buffer.byteLength(row.title.toLowerCase()));
    if (bytes > room) {
      errors.add(`${at}.title`, `must be at most ${room} bytes (UTF-8) with this key; it has ${bytes}`);
      return undefined;
    }
  }
  return row;
}

/**
 * Checks every row of every operation against the entity type before anything is written, so a
 * bad row refuses the whole call with the row and the field named.
 */
export function validateOperations(
  type: EntityType,
  operations: OperationInput[],
): { ok: true; operations: ValidOperation[] } | { ok: false; errors: FieldError[]; message: string } {
  const errors = new Collector();
  const valid: ValidOperation[] = [];
  operations.forEach((op, i) => {
    if (op.primaryKey !== undefined && op.primaryKey !== type.primaryKey) {
      errors.add(`operations.${i}.primaryKey`, `the primary key of ${type.name} is ${type.primaryKey}`);
      return;
    }
    if (op.action === 'delete') {
      const keys: string[] = [];
      op.rows.forEach((raw, j) => {
        const value = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>)[type.primaryKey] : raw;
        const key = keyOf(value);
        if (holdsNulCharacter(value)) errors.add(`operations.${i}.rows.${j}`, NUL_CHARACTER_MESSAGE);
        else if (key === undefined) errors.add(`operations.${i}.rows.${j}`, stringKeyProblem(value) ?? `must be a value of the primary key ${type.primaryKey}`);
        else keys.push(key);
      });
      valid.push({ action: 'delete', keys });
      return;
    }
    const rows: RecordRow[] = [];
    const rowOfKey = new Map<string, number>();
    // id is a record's identity beside its primary key: one operation may not give it to two records.
    const holderOfId = new Map<string, { pk: string; row: number }>();
    op.rows.forEach((raw, j) => {
      const row = validateRow(type, raw, `operations.${i}.rows.${j}`, op.action, errors);
      if (!row) return;
      const earlier = rowOfKey.get(row.pk);
      // insertOrUpdate applies repeated keys in turn; insert would refuse the second one anyway.
      if (op.action === 'insert' && earlier !== undefined) {
        errors.add(`operations.${i}.rows.${j}.${type.primaryKey}`, `primary key ${row.pk} is also given in row ${earlier}`);
      }
      rowOfKey.set(row.pk, j);
      if (row.id !== null && type.primaryKey !== 'id') {
        const holder = holderOfId.get(row.id);
        if (holder && holder.pk !== row.pk) {
          errors.add(`operations.${i}.rows.${j}.id`, `id ${row.id} is also given to the record with ${type.primaryKey} ${holder.pk} in row ${holder.row}`);
        } else holderOfId.set(row.id, { pk: row.pk, row: j });
      }
      rows.push(row);
    });
    valid.push({ action: op.action, rows });
  });
  return errors.total ? { ok: false, errors: errors.errors, message: errors.message } : { ok: true, operations: valid };
}
