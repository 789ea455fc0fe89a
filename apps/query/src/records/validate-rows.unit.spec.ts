import type { EntityType } from '../entity-types/entity-type';
import { validateOperations } from './validate-rows';

const type: EntityType = {
  instanceId: 'i',
  name: 'orders',
  primaryKey: 'code',
  fields: [
    { name: 'code', type: 'string' },
    { name: 'qty', type: 'number' },
    { name: 'paid', type: 'boolean' },
    { name: 'day', type: 'date' },
    { name: 'at', type: 'datetime' },
    { name: 'extra', type: 'json' },
  ],
};

describe('validateOperations', () => {
  it('accepts typed rows, normalises date-times to UTC and keys rows by the primary key', () => {
    const result = validateOperations(type, [
      { action: 'insertOrUpdate', rows: [{ code: 'A', qty: 1.5, paid: true, day: '2024-02-29', at: '2026-01-01T10:00:00+02:00', extra: { x: [1] }, title: 't' }] },
      { action: 'delete', rows: ['A', { code: 'B' }, 7] },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [upsert, remove] = result.operations;
    expect(upsert.action !== 'delete' && upsert.rows[0]).toMatchObject({ pk: 'A', title: 't', fields: { at: '2026-01-01T08:00:00.000Z' } });
    expect(remove).toEqual({ action: 'delete', keys: ['A', 'B', '7'] });
  });

  it('names the row and field of every problem', () => {
    const result = validateOperations(type, [
      { action: 'insert', rows: [{ code: 'A', qty: '1', paid: 'yes', day: '2023-02-29', at: '2026-01-01', colour: 'red' }, { qty: 1 }, 'nope'] },
      { action: 'delete', primaryKey: 'id', rows: [] },
    ]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.field)).toEqual([
      'operations.0.rows.0.qty',
      'operations.0.rows.0.paid',
      'operations.0.rows.0.day',
      'operations.0.rows.0.at',
      'operations.0.rows.0.colour',
      'operations.0.rows.1.code',
      'operations.0.rows.2',
      'operations.1.primaryKey',
    ]);
  });

  it('refuses U+0000 anywhere in a row, which PostgreSQL cannot store, naming the field', () => {
    const result = validateOperations({ ...type, primaryKey: 'id' }, [
      {
        action: 'insertOrUpdate',
        rows: [
          { id: 'a', title: '\u0000nul' },
          { id: 'b', extra: { list: ['ok', 'n\u0000'] } },
          { id: 'c', extra: { 'k\u0000': 1 } },
          { id: 'd', responsibilities: [{ userId: 'u\u0000', role: 'owner' }] },
        ],
      },
      { action: 'delete', rows: ['e\u0000'] },
    ]);
    expect(!result.ok && result.errors).toEqual(
      ['0.rows.0.title', '0.rows.1.extra', '0.rows.2.extra', '0.rows.3.responsibilities', '1.rows.0'].map((f) => ({
        field: `operations.${f}`,
        message: 'must not contain the NUL character (\\u0000)',
      })),
    );
  });

  it('refuses times of day that do not exist, such as hour 24, rather than reading the next day', () => {
    const rows = ['2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z', '2026-01-01T23:59:60Z'].map((at, i) => ({ code: `c${i}`, at }));
    const result = validateOperations(type, [{ action: 'insert', rows: [...rows, { code: 'ok', at: '2026-01-01T23:59:59.999Z' }] }]);
    expect(!result.ok && result.errors.map((e) => e.field)).toEqual(['operations.0.rows.0.at', 'operations.0.rows.1.at', 'operations.0.rows.2.at']);
  });

  it('lists the first 50 problems and says how many there are in all, so a client knows the list is cut', () => {
    const rows = Array.from({ length: 70 }, (_, i) => ({ code: `c${i}`, qty: 'many' }));
    const cut = validateOperations(type, [{ action: 'insert', rows }]);
    expect(!cut.ok && [cut.errors.length, cut.errors[49].field, cut.message]).toEqual([
      50,
      'operations.0.rows.49.qty',
      'Validation failed: 70 problems, the first 50 listed',
    ]);
    const few = validateOperations(type, [{ action: 'insert', rows: rows.slice(0, 3) }]);
    expect(!few.ok && [few.errors.length, few.message]).toEqual([3, 'Validation failed']);
  });

  it('says a key is too long or empty when it is, rather than that it is missing or not a key', () => {
    const long = 'k'.repeat(513);
    const result = validateOperations(type, [
      { action: 'insert', rows: [{ code: long }, { code: '' }, { code: 'ok', id: long }, { code: 'k'.repeat(512) }] },
      { action: 'delete', rows: [long, { code: long }] },
    ]);
    expect(!result.ok && result.errors).toEqual([
      { field: 'operations.0.rows.0.code', message: 'must be at most 512 characters' },
      { field: 'operations.0.rows.1.code', message: 'must not be empty' },
      { field: 'operations.0.rows.2.id', message: 'must be at most 512 characters' },
      { field: 'operations.1.rows.0', message: 'must be at most 512 characters' },
      { field: 'operations.1.rows.1', message: 'must be at most 512 characters' },
    ]);
  });

  it('refuses one id given to two records in one operation, naming the later row', () => {
    const result = validateOperations(type, [
      { action: 'insert', rows: [{ code: 'A', id: 'X' }, { code: 'B', id: 'Y' }, { code: 'C', id: 'X' }] },
      { action: 'insertOrUpdate', rows: [{ code: 'A', id: 7 }, { code: 'A', id: '7', qty: 2 }, { code: 'D', qty: 1 }, { code: 'E', id: '7' }] },
    ]);
    expect(!result.ok && result.errors).toEqual([
      { field: 'operations.0.rows.2.id', message: 'id X is also given to the record with code A in row 0' },
      { field: 'operations.1.rows.3.id', message: 'id 7 is also given to the record with code A in row 1' },
    ]);
  });

  it('lets rows of one key repeat their id, and lets records without an id get their own', () => {
    const result = validateOperations(type, [
      { action: 'insert', rows: [{ code: 'A' }, { code: 'B' }] },
      { action: 'insertOrUpdate', rows: [{ code: 'A', id: 'X' }, { code: 'A', id: 'X', qty: 1 }, { code: 'C' }, { code: 'D' }] },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok || result.operations[0].action === 'delete') return;
    const [a, b] = result.operations[0].rows;
    expect(a.id).not.toEqual(b.id);
  });
});
