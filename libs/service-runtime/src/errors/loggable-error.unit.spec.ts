import { Writable } from 'node:stream';
import pino from 'pino';
import { loggableError } from './loggable-error';

class QueryFailedError extends Error {
  constructor(
    readonly query: string,
    readonly parameters: unknown[],
    readonly driverError: Error,
  ) {
    super(driverError.message);
  }
}

const SECRET = 'card-4242-secret';

/** What pino writes for `{ err }`: its own error serializer runs, as in the services. */
function logged(err: unknown): { text: string; entry: Record<string, any> } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  pino({}, stream).error({ err }, 'request failed');
  return { text, entry: JSON.parse(text) };
}

function databaseError(): Error {
  return Object.assign(new Error('duplicate key value violates unique constraint "cards_pkey"'), {
    code: '23505',
    constraint: 'cards_pkey',
    detail: `Key (number)=(${SECRET}) already exists.`,
    where: `COPY cards, line 1, column number: "${SECRET}"`,
  });
}

describe('loggableError', () => {
  it('keeps what failed and drops the values it failed on, in nested errors too', () => {
    const error = new QueryFailedError('INSERT INTO cards (number) VALUES ($1)', [SECRET], databaseError());
    const { text, entry } = logged(loggableError(error));
    expect(text).not.toContain(SECRET);
    expect(entry.err).toMatchObject({
      type: 'QueryFailedError',
      message: 'duplicate key value violates unique constraint "cards_pkey"',
      stack: expect.stringContaining('loggable-error.unit.spec'),
      query: 'INSERT INTO cards (number) VALUES ($1)',
      driverError: { code: '23505', constraint: 'cards_pkey' },
    });
    // The original keeps its fields: only the log line goes without them.
    expect(error.parameters).toEqual([SECRET]);
  });

  it('follows causes and lists of errors, and stops at a cycle', () => {
    const inner = databaseError();
    const outer = new Error('saving the card failed', { cause: inner });
    (inner as Error & { related?: unknown }).related = [outer];
    const { text, entry } = logged(loggableError(outer));
    expect(text).not.toContain(SECRET);
    expect(entry.err.message).toContain('duplicate key value');
    expect(entry.err.stack).toContain('caused by');
  });

  it('leaves what is not an error as it is', () => {
    expect(loggableError('plain')).toBe('plain');
    expect(loggableError(undefined)).toBeUndefined();
  });
});
