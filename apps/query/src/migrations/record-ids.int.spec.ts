import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { eventSourcingMigrations } from '@tollgate/event-sourcing';
import { DataSource } from 'typeorm';
import { QueryTables1764100000000 } from './1764100000000-query-tables';
import { queryMigrations } from '.';

/** The upgrade of a table written before ids were checked: duplicates are resolved, not lost. */
describe('record ids migration (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase([...eventSourcingMigrations, QueryTables1764100000000], 'ids');
  });
  afterAll(() => db.drop());

  it('keeps each id on the record created first, gives the others a fresh one, records what changed, then enforces uniqueness', async () => {
    await db.dataSource.query(`
      INSERT INTO records (instance_id, entity, pk, id, created_at, updated_at) VALUES
        ('i1', 'orders', 'a', 'X', '2026-01-01', now()),
        ('i1', 'orders', 'b', 'X', '2026-01-03', now()),
        ('i1', 'orders', 'c', 'X', '2026-01-02', now()),
        ('i1', 'orders', 'd', 'Y', '2026-01-01', now()),
        ('i1', 'invoices', 'a', 'X', '2026-01-05', now()),
        ('i2', 'orders', 'a', 'X', '2026-01-05', now())`);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const upgraded = new DataSource({ type: 'postgres', url: db.url, migrations: queryMigrations, migrationsTransactionMode: 'each' });
    await upgraded.initialize();
    try {
      // Later migrations run after it too.
      expect((await upgraded.runMigrations()).map((m) => m.name)[0]).toBe('RecordIds1764700000000');
      const rows: { instance_id: string; entity: string; pk: string; id: string }[] = await upgraded.query(
        `SELECT instance_id, entity, pk, id FROM records ORDER BY instance_id, entity, pk`,
      );
      const idOf = (instance: string, entity: string, pk: string) => rows.find((r) => r.instance_id === instance && r.entity === entity && r.pk === pk)!.id;
      expect([idOf('i1', 'orders', 'a'), idOf('i1', 'orders', 'd'), idOf('i1', 'invoices', 'a'), idOf('i2', 'orders', 'a')]).toEqual(['X', 'Y', 'X', 'X']);
      expect(idOf('i1', 'orders', 'b')).toMatch(/^[0-9a-f-]{36}$/);
      expect(idOf('i1', 'orders', 'c')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await upgraded.query(`SELECT pk, old_id, new_id FROM record_id_changes ORDER BY pk`)).toEqual([
        { pk: 'b', old_id: 'X', new_id: idOf('i1', 'orders', 'b') },
        { pk: 'c', old_id: 'X', new_id: idOf('i1', 'orders', 'c') },
      ]);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/2 record\(s\) of entity orders \(instance i1\)/));
      await expect(
        upgraded.query(`INSERT INTO records (instance_id, entity, pk, id, created_at, updated_at) VALUES ('i1', 'orders', 'e', 'Y', now(), now())`),
      ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '23505', constraint: 'records_by_id' }) });
    } finally {
      warn.mockRestore();
      await upgraded.destroy();
    }
  });
});
