import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models of the identity and key streams (instances, users, api_keys: projections), and the
 * state that is never put in events: password hashes, key hashes, sessions, groups, key use.
 */
export class IdentityTables1764100000000 implements MigrationInterface {
  name = 'IdentityTables1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE instances (
        id            text PRIMARY KEY,
        name          text NOT NULL,
        daily_credits integer NOT NULL,
        timezone      text NOT NULL,
        created_at    timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE users (
        id          uuid PRIMARY KEY,
        instance_id text NOT NULL,
        email       text NOT NULL,
        name        text NOT NULL,
        roles       jsonb NOT NULL,
        status      text NOT NULL,
        created_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX users_instance_email ON users (instance_id, lower(email))`);
    await q.query(`
      CREATE TABLE api_keys (
        id                  uuid PRIMARY KEY,
        instance_id         text NOT NULL,
        kind                text NOT NULL,
        prefix              text NOT NULL,
        description         text NOT NULL,
        scopes              jsonb NOT NULL,
        entities            jsonb,
        owner_id            uuid,
        expires_at          timestamptz,
        status              text NOT NULL,
        deactivation_reason text,
        created_at          timestamptz NOT NULL,
        changed_at          timestamptz NOT NULL
      )`);
    // One active personal key per user, whatever races: the second insert fails here.
    await q.query(
      `CREATE UNIQUE INDEX api_keys_one_active_personal ON api_keys (owner_id) WHERE kind = 'personal' AND status = 'active'`,
    );
    await q.query(`CREATE INDEX api_keys_instance ON api_keys (instance_id)`);
    await q.query(`CREATE INDEX api_keys_owner ON api_keys (owner_id) WHERE status = 'active'`);
    await q.query(`CREATE INDEX api_keys_expiring ON api_keys (expires_at) WHERE status = 'active' AND expires_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE key_secrets (
        key_id uuid PRIMARY KEY,
        hash   bytea NOT NULL UNIQUE
      )`);
    await q.query(`
      CREATE TABLE key_usage (
        key_id       uuid PRIMARY KEY,
        last_used_at timestamptz NOT NULL,
        use_count    bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE user_passwords (
        user_id uuid PRIMARY KEY,
        hash    text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE sessions (
        hash        bytea PRIMARY KEY,
        user_id     uuid NOT NULL,
        instance_id text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX sessions_user ON sessions (user_id)`);
    await q.query(`
      CREATE TABLE user_groups (
        id          uuid PRIMARY KEY,
        instance_id text NOT NULL,
        name        text NOT NULL,
        members     uuid[] NOT NULL DEFAULT '{}',
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX user_groups_instance_name ON user_groups (instance_id, lower(name))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS user_groups, sessions, user_passwords, key_usage, key_secrets, api_keys, users, instances`);
  }
}
