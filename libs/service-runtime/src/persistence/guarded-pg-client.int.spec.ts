import { Client, Pool } from 'pg';
import { serverUrl } from '@tollgate/testing';
import { isUnavailableDependency } from '../errors/unavailable-dependency';
import { connectGuarded } from './guarded-pg-client';

describe('a pool client whose server ends the connection while it is checked out', () => {
  let pool: Pool;
  let admin: Client;

  beforeAll(async () => {
    pool = new Pool({ connectionString: serverUrl(), max: 2, application_name: 'guarded-client-test' });
    pool.on('error', () => undefined);
    admin = new Client({ connectionString: serverUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await pool?.end();
  });

  it('does not end the process: the next query fails as unavailable and the pool serves a new client', async () => {
    const client = await connectGuarded(pool);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Ended between two queries, as a database restart would; unheard, this 'error' would throw here.
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const failure = await client.query('SELECT 1').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(isUnavailableDependency(failure)).toBe(true);
    client.release(failure as Error);

    const next = await connectGuarded(pool);
    expect((await next.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    next.release();
  });
});
