import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Flow definitions and runs. `flows` and `flow_runs` are projections of the event store; the other
 * tables hold what events must not carry (token hashes, inputs, results, console messages).
 * WARNING: stored data depends on these names; change them only with a new migration.
 */
export class FlowsTables1764200000000 implements MigrationInterface {
  name = 'FlowsTables1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE flows (
        flow_id         text PRIMARY KEY,
        instance_id     text NOT NULL,
        app             text NOT NULL,
        name            text NOT NULL,
        description     text NOT NULL DEFAULT '',
        mode            text NOT NULL,
        timeout_ms      integer,
        allow_anonymous boolean NOT NULL DEFAULT false,
        groups          jsonb NOT NULL DEFAULT '[]'::jsonb,
        steps           jsonb NOT NULL DEFAULT '[]'::jsonb,
        version         integer NOT NULL,
        created_at      timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL,
        CONSTRAINT flows_unique_name UNIQUE (instance_id, app, name)
      )`);
    await q.query(`CREATE INDEX flows_by_name ON flows (instance_id, name)`);
    await q.query(`
      CREATE TABLE flow_tokens (
        flow_id     text PRIMARY KEY,
        instance_id text NOT NULL,
        token_hash  text NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE flow_runs (
        process_id  text PRIMARY KEY,
        instance_id text NOT NULL,
        flow_id     text NOT NULL,
        started_by  text NOT NULL,
        status      text NOT NULL,
        started_at  timestamptz NOT NULL,
        finished_at timestamptz,
        duration_ms integer,
        reason      text
      )`);
    await q.query(`CREATE INDEX flow_runs_by_flow ON flow_runs (instance_id, flow_id, started_at DESC)`);
    await q.query(`
      CREATE TABLE run_details (
        process_id  text PRIMARY KEY,
        instance_id text NOT NULL,
        mode        text NOT NULL,
        input       jsonb NOT NULL,
        timeout_ms  integer NOT NULL,
        result      jsonb,
        failure     jsonb,
        messages    jsonb NOT NULL DEFAULT '[]'::jsonb,
        owner       text,
        lease_until timestamptz,
        attempts    integer NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE INDEX run_details_leases ON run_details (lease_until) WHERE owner IS NOT NULL`);
    await q.query(`
      CREATE TABLE run_idempotency (
        instance_id text NOT NULL,
        flow_id     text NOT NULL,
        idem_key    text NOT NULL,
        process_id  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (instance_id, flow_id, idem_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS run_idempotency, run_details, flow_runs, flow_tokens, flows`);
  }
}
