import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Finds finished batch tasks by age, for the sweep that forgets them after TASK_RETENTION_DAYS. */
export class TaskRetention1764900000000 implements MigrationInterface {
  name = 'TaskRetention1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX batch_tasks_finished ON batch_tasks (finished_at) WHERE status <> 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS batch_tasks_finished`);
  }
}
