import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `id` is a record's identity (GraphQL's `ID!`) whatever the entity's primary key: unique per
 * instance and entity, by an index that also serves the batches' look-up of who holds an id.
 *
 * Records that already share an id (written before batches checked it, when the primary key is
 * another field) are not deleted and do not stop the upgrade: the one created first (then the
 * lowest primary key) keeps the id, each other one gets a fresh UUID, as an insert without an id
 * would, and `record_id_changes` keeps what was changed, so an operator can tell consumers which
 * records now answer to another id. The count per entity is also written to the migration's log.
 */
export class RecordIds1764700000000 implements MigrationInterface {
  name = 'RecordIds1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE record_id_changes (
        instance_id text NOT NULL,
        entity      text NOT NULL,
        pk          text NOT NULL,
        old_id      text NOT NULL,
        new_id      text NOT NULL,
        changed_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // Writers wait until the index is built, so no duplicate slips in between.
    await q.query(`LOCK TABLE records IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`
      WITH shared AS (
        SELECT instance_id, entity, id FROM records GROUP BY instance_id, entity, id HAVING count(*) > 1
      ), later AS (
        SELECT r.instance_id, r.entity, r.pk, r.id,
               row_number() OVER (PARTITION BY r.instance_id, r.entity, r.id ORDER BY r.created_at, r.pk) AS n
          FROM records r JOIN shared s USING (instance_id, entity, id)
      ), changed AS (
        UPDATE records r SET id = gen_random_uuid()::text
          FROM later l
         WHERE l.n > 1 AND r.instance_id = l.instance_id AND r.entity = l.entity AND r.pk = l.pk
        RETURNING r.instance_id, r.entity, r.pk, l.id AS old_id, r.id AS new_id
      )
      INSERT INTO record_id_changes (instance_id, entity, pk, old_id, new_id)
      SELECT instance_id, entity, pk, old_id, new_id FROM changed`);
    const changed: { instance_id: string; entity: string; n: number }[] = await q.query(
      `SELECT instance_id, entity, count(*)::int AS n FROM record_id_changes GROUP BY instance_id, entity ORDER BY instance_id, entity`,
    );
    for (const c of changed) {
      console.warn(
        `query migration ${this.name}: ${c.n} record(s) of entity ${c.entity} (instance ${c.instance_id}) shared an id with an older record and got a fresh one; see the record_id_changes table`,
      );
    }
    await q.query(`CREATE UNIQUE INDEX records_by_id ON records (instance_id, entity, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS records_by_id`);
    await q.query(`DROP TABLE IF EXISTS record_id_changes`);
  }
}
