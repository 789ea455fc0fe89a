import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { Body, Controller, Get, Module, Post, Req, type INestApplication } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createService } from './bootstrap';
import { readUnparsedBody } from './request-body';
import { ServiceCoreModule } from './service-core.module';

const LIMIT = 1024 * 1024;

@Controller('things')
class ThingsController {
  @Post()
  create(@Body() body: unknown) {
    return { received: body !== undefined };
  }

  /** As a flow trigger reads a GET's body, which Fastify leaves unread. */
  @Get()
  async read(@Req() request: FastifyRequest) {
    return { size: (await readUnparsedBody(request, LIMIT))?.length ?? 0 };
  }
}

@Module({
  imports: [ServiceCoreModule.forRoot({ name: 'unread-body-test', logLevel: 'silent', readiness: { useValue: [] } })],
  controllers: [ThingsController],
})
class TestModule {}

/**
 * Sends `count` bodies of `size` bytes one after the other, as a client in another process would
 * (in the test's own process, the service could not answer while the client writes), and tallies
 * what each got: the status and the error code, or the error the client reported.
 */
const CLIENT = `
import http from 'node:http';
const [url, size, count, how] = process.argv.slice(1);
const body = JSON.stringify({ padding: 'p'.repeat(Number(size)) });
const headers = { 'content-type': 'application/json' };
const chunked = () => {
  const piece = Buffer.from(body);
  let at = 0;
  return new ReadableStream({ pull(c) { if (at >= piece.length) c.close(); else c.enqueue(piece.subarray(at, (at += 65536))); } });
};
const viaNode = () => new Promise((resolve, reject) => {
  const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
    let text = '';
    res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode, text }));
  });
  req.on('error', reject);
  req.end(body);
});
const tally = {};
for (let i = 0; i < Number(count); i++) {
  let outcome;
  try {
    let res;
    if (how === 'node') res = await viaNode();
    else {
      const r = await fetch(url, { method: 'POST', headers, body: how === 'chunked' ? chunked() : body, duplex: 'half' });
      res = { status: r.status, text: await r.text() };
    }
    outcome = res.status + ' ' + JSON.parse(res.text).code;
  } catch (e) {
    outcome = 'error ' + (e.cause?.code ?? e.code ?? e.message);
  }
  tally[outcome] = (tally[outcome] ?? 0) + 1;
}
console.log(JSON.stringify(tally));
`;

function uploadMany(url: string, size: number, count: number, how: 'length' | 'chunked' | 'node'): Promise<Record<string, number>> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', CLIENT, url, String(size), String(count), how], (error, stdout, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve(JSON.parse(stdout)),
    ),
  );
}

describe('bodies answered before they are read', () => {
  let app: INestApplication;
  let url: string;
  let port: number;

  beforeAll(async () => {
    app = await createService({ name: 'unread-body-test', module: TestModule, host: '127.0.0.1', port: 0, bodyLimitBytes: LIMIT });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/things`;
    port = Number(new URL(url).port);
  });
  afterAll(() => app.close());

  it.each([
    ['fetch, its length announced', 'length' as const],
    ['fetch, chunked', 'chunked' as const],
    ['Node http, its length announced', 'node' as const],
  ])('a body over the limit sent in full by %s gets the 413 answer every time, not a reset', async (_name, how) => {
    expect(await uploadMany(url, 4 * LIMIT - 1024, 60, how)).toEqual({ '413 payload_too_large': 60 });
  });

  /** Sends the requests on one connection, one after the other, and returns all that comes back before the service closes it or goes quiet. */
  const onOneConnection = (...requests: string[]) =>
    new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if ((text.match(/HTTP\/1\.1 /g) ?? []).length === requests.length && text.endsWith('}')) socket.end();
      });
      socket.on('error', (error) => (text += `\n${error.message}`)).on('close', () => resolve(text));
      setTimeout(() => socket.destroy(), 5000).unref();
      for (const request of requests) socket.write(request);
    });

  it.each([
    ['over the limit', 'POST', 'application/json', 413, 201],
    ['over the limit, read by the route (a GET body)', 'GET', 'application/json', 413, 200],
    ['of a type no parser takes', 'POST', 'image/png', 415, 201],
  ])('a body %s, sent in full, leaves its connection ready for the next request', async (_name, method, type, refused, next) => {
    const oversized = JSON.stringify({ padding: 'p'.repeat(2 * LIMIT) });
    const answers = await onOneConnection(
      `${method} /things HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${oversized.length}\r\n\r\n${oversized}`,
      `${method} /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(answers.match(/HTTP\/1\.1 \d+|read ECONNRESET/g)).toEqual([`HTTP/1.1 ${refused}`, `HTTP/1.1 ${next}`]);
    expect(answers).toContain(method === 'GET' ? '{"size":2}' : '{"received":true}');
  });

  /** Sends a request's head asking to go on (`Expect: 100-continue`) and, if told to, its body; what comes back, and whether the service closed the connection. */
  const askingFirst = (method: string, size: number, path = '/things') =>
    new Promise<{ answer: string; sentBody: boolean; closed: boolean }>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      let sentBody = false;
      const done = (closed: boolean) => {
        socket.destroy();
        resolve({ answer, sentBody, closed });
      };
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        answer += chunk;
        if (!sentBody && answer.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
          sentBody = true;
          socket.write(JSON.stringify({ padding: 'p'.repeat(size - 14) }));
        }
        if (/\r\nHTTP\/1\.1 2\d\d [^]*\}$/.test(answer)) done(false);
      });
      socket.on('error', () => undefined).on('end', () => done(true));
      setTimeout(() => done(false), 3000).unref();
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\nExpect: 100-continue\r\n\r\n`);
    });

  it.each([
    ['POST', 5 * LIMIT],
    ['POST', 1000 * LIMIT],
    ['GET', 5 * LIMIT],
  ])('a %s that asks before sending a body of %d bytes is told 413 at once, and never sends it', async (method, size) => {
    const { answer, sentBody, closed } = await askingFirst(method, size);
    expect(answer).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain(`"code":"payload_too_large","message":"The body is larger than ${LIMIT} bytes"`);
    expect([sentBody, closed]).toEqual([false, true]);
  });

  it.each([
    ['POST', '{"received":true}'],
    ['GET', `{"size":${LIMIT}}`],
  ])('a %s that asks before sending a body within the limit is told to go on, and served', async (method, served) => {
    const { answer, sentBody } = await askingFirst(method, LIMIT);
    expect(sentBody).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 20[01] /);
    expect(answer).toContain(served);
  });

  it('a request that asks before sending a body and is answered before its body is read is never told to go on', async () => {
    // No route takes it: 404 before the body is read, so the client never sends it.
    const { answer, sentBody, closed } = await askingFirst('POST', LIMIT, '/nothing-here');
    expect(answer).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(answer).toContain('"code":"not_found"');
    expect([sentBody, closed]).toEqual([false, true]);
  });

  it.each([
    ['over the limit', 'application/json', '413 Payload Too Large', 'payload_too_large'],
    ['of a type no parser takes', 'image/png', '415 Unsupported Media Type', 'validation_failed'],
  ])('a body %s is read no further than 4 times the limit past its answer: one that never ends has its connection closed', async (_name, type, status, code) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    socket.setEncoding('utf8').on('data', (text: string) => (answer += text));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(`POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = `10000\r\n${'p'.repeat(0x10000)}\r\n`;
    // 64 MiB is far past the bound, socket buffers included: a service that reads on takes all of it.
    while (!socket.destroyed && sent < 64 * LIMIT) {
      sent += 0x10000;
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
    }
    socket.destroy();
    await closed;
    expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status}\r\n`));
    expect(answer).toContain(`"code":"${code}"`);
    expect(sent).toBeLessThan(32 * LIMIT);
  });
});
