import { Writable } from 'node:stream';
import pino from 'pino';
import { abortedRequestLogger, requestLogger, serializeError } from './logging';

function capture(level: string) {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, log: requestLogger(pino({ level }, stream)) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('request log', () => {
  it('writes one line per request with its id, method, status and time, and redacts keys in the URL', async () => {
    const { lines, log } = capture('info');
    log({ id: 'req_1', method: 'GET', url: '/api/v1/query?entities=a&key=tg_secret&limit=3' }, { statusCode: 200, elapsedTime: 4.4 });
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'req_1', method: 'GET', url: '/api/v1/query?entities=a&key=[redacted]&limit=3' },
      res: { statusCode: 200 },
      responseTime: 4,
    });
    expect(JSON.stringify(lines[0])).not.toContain('tg_secret');
  });

  it('redacts credentials however the URL spells their parameter, and keys anywhere in it', async () => {
    const { lines, log } = capture('info');
    const key = 'tg_3yVtWZ8MpQf2LkR9sXcB7nJhD4aGuE1oT6iYwK0vNmPqS5rZ8xCbLfo';
    log({ id: 'req_7', method: 'GET', url: `/api/v1/query?entities=a&k%65y=${key}&limit=3` }, { statusCode: 200, elapsedTime: 1 });
    log({ id: 'req_8', method: 'GET', url: `/api/v1/query?access%5Ftoken=${key}` }, { statusCode: 200, elapsedTime: 1 });
    log({ id: 'req_9', method: 'GET', url: '/api/1/action/App/flow/trigger?instance=demo&%74oken=wh_secret' }, { statusCode: 200, elapsedTime: 1 });
    log({ id: 'req_10', method: 'GET', url: `/api/v1/query.json;key=${key}?entities=a` }, { statusCode: 404, elapsedTime: 1 });
    log({ id: 'req_11', method: 'GET', url: '/api/v1/credits/tgs_PLh6KX1GLAFc5JRqT2zopHoGgNbp9aLClFdpA4LQ96d1aw9ZM?a=wh_CKmJoBK7fF7eUZR7LVxTpXj9FZUx6jUL' }, { statusCode: 404, elapsedTime: 1 });
    log({ id: 'req_12', method: 'GET', url: '/api/1/action/App/wh_GDPG39RF0EB-Zsnl5l1_-eVFPCkF1EAR?tokn=wh_fzGlsZiRqqncxt1_pdrCf4DIDV_yrOjd' }, { statusCode: 404, elapsedTime: 1 });
    log({ id: 'req_13', method: 'POST', url: '/api/1/action/App/flow/trigger#&token=hook-secret' }, { statusCode: 200, elapsedTime: 1 });
    await flush();
    expect(lines.map((l) => l.req.url)).toEqual([
      '/api/v1/query?entities=a&k%65y=[redacted]&limit=3',
      '/api/v1/query?access%5Ftoken=[redacted]',
      '/api/1/action/App/flow/trigger?instance=demo&%74oken=[redacted]',
      '/api/v1/query.json;key=tg_[redacted]?entities=a',
      '/api/v1/credits/tgs_[redacted]?a=wh_[redacted]',
      '/api/1/action/App/wh_[redacted]?tokn=wh_[redacted]',
      '/api/1/action/App/flow/trigger#&token=[redacted]',
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/tg_3yVt|wh_secret|tgs_PLh6|wh_CKmJ|eVFPCkF1EAR|pdrCf4DIDV_yrOjd|hook-secret/);
  });

  it('writes server errors as warnings and leaves health and metrics probes out', async () => {
    const { lines, log } = capture('info');
    log({ id: 'req_2', method: 'POST', url: '/api/v1/flows/x/trigger' }, { statusCode: 503, elapsedTime: 1 });
    log({ id: 'req_3', method: 'GET', url: '/health/ready' }, { statusCode: 200, elapsedTime: 1 });
    log({ id: 'req_4', method: 'GET', url: '/metrics' }, { statusCode: 200, elapsedTime: 1 });
    await flush();
    expect(lines.map((l) => [l.req.id, l.level, l.msg])).toEqual([['req_2', 40, 'request failed']]);
  });

  it('writes a line for a request its client gave up on, credentials redacted', async () => {
    const lines: Record<string, any>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const log = abortedRequestLogger(pino({ level: 'info' }, stream));
    log({ id: 'req_12', method: 'POST', url: '/api/1/action/App/slow/trigger?token=wh_secret' });
    log({ id: 'req_13', method: 'GET', url: '/health/ready' });
    await flush();
    expect(lines.map((l) => [l.level, l.msg, l.req])).toEqual([
      [30, 'request aborted by the client', { id: 'req_12', method: 'POST', url: '/api/1/action/App/slow/trigger?token=[redacted]' }],
    ]);
  });

  it('writes only server errors when the level is warn', async () => {
    const { lines, log } = capture('warn');
    log({ id: 'req_5', method: 'GET', url: '/api/v1/entities' }, { statusCode: 200, elapsedTime: 1 });
    log({ id: 'req_6', method: 'GET', url: '/api/v1/entities' }, { statusCode: 500, elapsedTime: 1 });
    await flush();
    expect(lines.map((l) => l.req.id)).toEqual(['req_6']);
  });
});

describe('the err of a log line', () => {
  const SECRET = 'card-4242-secret';

  class QueryFailedError extends Error {
    constructor(
      readonly query: string,
      readonly parameters: unknown[],
      readonly driverError: Error,
    ) {
      super(driverError.message);
    }
  }

  const databaseError = () =>
    Object.assign(new Error('duplicate key value violates unique constraint "cards_pkey"'), {
      code: '23505',
      constraint: 'cards_pkey',
      detail: `Key (number)=(${SECRET}) already exists.`,
      where: `COPY cards, line 1, column number: "${SECRET}"`,
    });

  /** The line a service's logger writes for `{ err }`. */
  function logged(err: unknown): { text: string; entry: Record<string, any> } {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    pino({ serializers: { err: serializeError } }, stream).error({ err }, 'request failed');
    return { text, entry: JSON.parse(text) };
  }

  it('says what failed and not the values it failed on, in nested errors too', () => {
    const error = new QueryFailedError('INSERT INTO cards (number) VALUES ($1)', [SECRET], databaseError());
    const { text, entry } = logged(error);
    expect(text).not.toContain(SECRET);
    expect(entry.err).toMatchObject({
      type: 'QueryFailedError',
      message: 'duplicate key value violates unique constraint "cards_pkey"',
      stack: expect.stringContaining('logging.unit.spec'),
      query: 'INSERT INTO cards (number) VALUES ($1)',
      driverError: { type: 'Error', code: '23505', constraint: 'cards_pkey' },
    });
    // Only the line goes without them.
    expect(error.parameters).toEqual([SECRET]);
  });

  it('follows causes and lists of errors, and copes with a cycle and with host errors', () => {
    const inner = databaseError();
    const outer = new Error('saving the card failed', { cause: inner });
    (inner as Error & { related?: unknown }).related = [outer];
    const { text, entry } = logged(outer);
    expect(text).not.toContain(SECRET);
    expect(entry.err.message).toContain('duplicate key value');
    expect(entry.err.stack).toContain('caused by');
    expect(logged(new AggregateError([databaseError()], 'two failed')).text).not.toContain(SECRET);
    expect(logged(new DOMException('The operation was aborted', 'AbortError')).entry.err).toMatchObject({ type: 'DOMException', message: 'The operation was aborted' });
  });

  it('leaves an err that is no error as it is', () => {
    expect(logged('refused').entry.err).toBe('refused');
  });
});
