import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import pino, { type Logger } from 'pino';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { createService } from '../bootstrap';
import { ROOT_LOGGER } from '../logging';
import { ServiceCoreModule } from '../service-core.module';

/** A customer's value: it must reach the database, never the log. */
const SECRET = 'customer-secret-7f3a9c';

let db: TestDatabase;
let pool: Pool;

@Controller('failures')
class FailuresController {
  /** TypeORM's QueryFailedError: it keeps the query's parameters, and PostgreSQL's detail quotes the row. */
  @Get('typeorm')
  async typeorm() {
    await db.dataSource.query('INSERT INTO notes (id, body) VALUES ($1, $2)', ['n1', SECRET]);
  }

  /** node-postgres's DatabaseError: PostgreSQL's detail quotes the key. */
  @Get('pg')
  async pg() {
    await pool.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [SECRET, 'again']);
  }

  /** A data exception: PostgreSQL quotes the refused value in the message itself. */
  @Get('typeorm-cast')
  async typeormCast() {
    await db.dataSource.query('SELECT $1::uuid', [SECRET]);
  }

  /** The same through node-postgres, with a value that holds quotes and a newline of its own. */
  @Get('pg-cast')
  async pgCast() {
    await pool.query('SELECT $1::integer', [`12" ${SECRET}\n"and more`]);
  }
}

@Module({
  imports: [ServiceCoreModule.forRoot({ name: 'error-logs-test', logLevel: 'error', readiness: { useValue: [] } })],
  controllers: [FailuresController],
})
class TestModule {}

describe('the log line of an unexpected error (500)', () => {
  let app: INestApplication;
  let base = '';
  const lines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase([], 'error_logs');
    await db.dataSource.query('CREATE TABLE notes (id text PRIMARY KEY, body text NOT NULL CHECK (body <> $$' + SECRET + '$$))');
    await db.dataSource.query(`INSERT INTO notes (id, body) VALUES ('${SECRET}', 'first')`);
    pool = new Pool({ connectionString: db.url, max: 1 });
    app = await createService({ name: 'error-logs-test', module: TestModule, host: '127.0.0.1', port: 0 });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    // The very lines pino writes, after its serializers ran, kept here rather than printed.
    const stream = (app.get<Logger>(ROOT_LOGGER) as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym];
    stream.write = (line: string) => lines.push(line);
  });
  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await db?.drop();
  });

  const failedLine = async (path: string, requestId: string) => {
    const res = await fetch(`${base}${path}`, { headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(500);
    const line = lines.find((l) => l.includes(requestId) && l.includes('"request failed"') && l.includes('"err"'));
    expect(line).toBeDefined();
    return { text: line!, entry: JSON.parse(line!) };
  };

  it('says what failed in the database, not with which values (TypeORM)', async () => {
    const { text, entry } = await failedLine('/failures/typeorm', 'typeorm-1');
    expect(text).not.toContain(SECRET);
    expect(entry.err).toMatchObject({
      type: 'QueryFailedError',
      message: expect.stringContaining('violates check constraint'),
      code: '23514',
      constraint: 'notes_body_check',
      table: 'notes',
      query: 'INSERT INTO notes (id, body) VALUES ($1, $2)',
      stack: expect.stringContaining('QueryFailedError'),
    });
  });

  it('says what failed in the database, not with which values (node-postgres)', async () => {
    const { text, entry } = await failedLine('/failures/pg', 'pg-1');
    expect(text).not.toContain(SECRET);
    expect(entry.err).toMatchObject({
      type: 'DatabaseError',
      message: expect.stringContaining('duplicate key value violates unique constraint'),
      code: '23505',
      constraint: 'notes_pkey',
      table: 'notes',
    });
  });

  it('names the type a value did not fit, not the value (TypeORM)', async () => {
    const { text, entry } = await failedLine('/failures/typeorm-cast', 'typeorm-cast-1');
    expect(text).not.toContain(SECRET);
    expect(entry.err).toMatchObject({
      type: 'QueryFailedError',
      message: 'invalid input syntax for type uuid: "[redacted]"',
      code: '22P02',
      query: 'SELECT $1::uuid',
      stack: expect.stringContaining('invalid input syntax for type uuid: "[redacted]"'),
    });
  });

  it('names the type a value did not fit, not the value, however it is quoted (node-postgres)', async () => {
    const { text, entry } = await failedLine('/failures/pg-cast', 'pg-cast-1');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('and more');
    expect(entry.err).toMatchObject({ type: 'DatabaseError', message: 'invalid input syntax for type integer: "[redacted]"', code: '22P02' });
  });
});
