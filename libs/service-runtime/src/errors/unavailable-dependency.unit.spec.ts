import { QueryFailedError } from 'typeorm';
import { ApiExceptionFilter } from './api-exception.filter';
import { isUnavailableDependency } from './unavailable-dependency';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('a database that cannot be reached', () => {
  it.each([
    ['terminated by an administrator', pgError('57P01', 'terminating connection due to administrator command')],
    ['still starting', pgError('57P03', 'the database system is starting up')],
    ['closed to new connections', pgError('55000', 'database "tollgate_credits" is not currently accepting connections')],
    ['a connection exception', pgError('08006', 'connection failure')],
    ['too many connections', pgError('53300', 'sorry, too many clients already')],
    ['refusing the socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['lost mid-query', new Error('Connection terminated unexpectedly')],
    ['no connection in time', new Error('timeout exceeded when trying to connect')],
    ['lost, inside a TypeORM error', new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly'))],
  ])('is recognised when %s', (_, error) => {
    expect(isUnavailableDependency(error)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error', new QueryFailedError('SELEC 1', [], pgError('42601', 'syntax error at or near "SELEC"'))],
    ['another object-state error', pgError('55000', 'cannot drop the currently open database')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error at all', 'oops'],
  ])('is not confused with %s', (_, error) => {
    expect(isUnavailableDependency(error)).toBe(false);
  });

  it('is answered 503 unavailable with Retry-After; other failures stay 500 internal', () => {
    const filter = new ApiExceptionFilter();
    const down = filter.describe(pgError('57P01', 'terminating connection due to administrator command'), 'req_1');
    expect(down).toEqual({
      status: 503,
      headers: { 'retry-after': '1' },
      body: { status: 'error', code: 'unavailable', message: expect.any(String), requestId: 'req_1' },
    });
    expect(filter.describe(new TypeError('boom'), 'req_2')).toMatchObject({ status: 500, body: { code: 'internal_error' } });
  });
});
