import * as net from 'node:net';
import { Controller, Delete, Get, Module, Param, Post, Res, type INestApplication } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createService, MAX_PATH_PARAMETER } from '../bootstrap';
import { ServiceCoreModule } from '../service-core.module';
import { RefusesHead } from './route-methods';

@Controller('things')
class ThingsController {
  @Get(':id')
  thing(@Param('id') id: string) {
    return { id };
  }

  @Delete(':id')
  remove() {
    return {};
  }

  @Post()
  create() {
    return {};
  }

  @Get(':id/charge')
  @RefusesHead()
  charge() {
    return {};
  }

  /** As a static-file route does for a file outside the list it serves. */
  @Get(':id/hidden')
  hidden(@Res() reply: FastifyReply) {
    reply.callNotFound();
  }
}

@Module({
  imports: [ServiceCoreModule.forRoot({ name: 'router-errors-test', logLevel: 'silent', readiness: { useValue: [] } })],
  controllers: [ThingsController],
})
class TestModule {}

/** Sends raw bytes (a client may send what fetch would refuse to) and returns the whole answer. */
function rawRequest(port: number, request: string): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, body] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) });
    });
  });
}

describe('answers the HTTP layer gives before any route runs', () => {
  let app: INestApplication;
  let port: number;

  beforeAll(async () => {
    app = await createService({ name: 'router-errors-test', module: TestModule, host: '127.0.0.1', port: 0 });
    await app.listen(0, '127.0.0.1');
    port = Number(new URL(await app.getUrl()).port);
  });
  afterAll(() => app.close());

  const get = (path: string, headers = '') => rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`);

  it.each(['/things/%ZZ', '/things/%C3%28', '/no-route/%E0%A4%A'])('a path that is not percent-encoded UTF-8 (%s) is a 400 in the API shape', async (path) => {
    const res = await get(path, 'X-Request-Id: client-7\r\n');
    expect(res.status).toBe(400);
    expect(res.headers['x-request-id']).toBe('client-7');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({
      status: 'error',
      code: 'validation_failed',
      message: 'The URL path is not valid percent-encoded UTF-8',
      requestId: 'client-7',
      errors: [{ field: 'path', message: 'must be valid percent-encoded UTF-8' }],
    });
  });

  it('a body to an address no route takes is answered 404 or 405 before it is read', async () => {
    /** Announces 900 KB (under the limit), sends 1 KB of it, and waits for an answer without sending the rest. */
    const answerBeforeBody = (method: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n[${'{},'.repeat(300)}`);
        });
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
          text += chunk;
          const end = text.indexOf('\r\n\r\n');
          const length = /content-length: (\d+)/i.exec(text)?.[1];
          if (end < 0 || length === undefined || text.length < end + 4 + Number(length)) return;
          socket.destroy();
          resolve({ status: Number(text.split(' ')[1]), body: text.slice(end + 4) });
        });
        socket.on('error', reject);
        // Unanswered while the rest of the body is unsent: the service is reading it.
        socket.setTimeout(3_000, () => {
          socket.destroy();
          reject(new Error('no answer while the rest of the body was unsent'));
        });
      });
    const unknown = await answerBeforeBody('POST', '/nothing-here');
    expect([unknown.status, JSON.parse(unknown.body).code]).toEqual([404, 'not_found']);
    // A known address asked with a method it does not take: 405, as for a request without a body.
    const wrongMethod = await answerBeforeBody('PUT', '/things/1');
    expect([wrongMethod.status, JSON.parse(wrongMethod.body).code]).toEqual([405, 'method_not_allowed']);
  });

  it('a path segment longer than any name is a 404 in the API shape, and a valid one still answers', async () => {
    const res = await get(`/things/${'a'.repeat(MAX_PATH_PARAMETER + 1)}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: 'error', code: 'not_found', message: 'Not found', requestId: res.headers['x-request-id'] });
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect((await get(`/things/${'a'.repeat(MAX_PATH_PARAMETER)}`)).status).toBe(200);
  });

  it('headers over the size limit are a 431 in the API shape, with a request id', async () => {
    const res = await get('/things/1', `X-Padding: ${'p'.repeat(20_000)}\r\n`);
    expect(res.status).toBe(431);
    expect(res.body).toEqual({
      status: 'error',
      code: 'validation_failed',
      message: 'The request line and headers are too large',
      requestId: res.headers['x-request-id'],
    });
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });

  it('a body over the limit is a 413 naming the limit, whether it announces its length or not', async () => {
    const body = JSON.stringify({ padding: 'p'.repeat(1024 * 1024) });
    const announced = await rawRequest(port, `POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    const chunked = await rawRequest(
      port,
      `POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    for (const res of [announced, chunked]) {
      expect([res.status, res.body]).toEqual([
        413,
        { status: 'error', code: 'payload_too_large', message: 'The body is larger than 1048576 bytes', requestId: res.headers['x-request-id'] },
      ]);
    }
  });

  const send = (method: string, path: string) => rawRequest(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);

  it('a known path asked with a method it does not take is a 405 naming the methods it takes', async () => {
    const res = await send('PUT', '/things/7?x=1');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, DELETE');
    expect(res.body).toEqual({
      status: 'error',
      code: 'method_not_allowed',
      message: 'PUT is not allowed here; use GET, HEAD, DELETE',
      requestId: res.headers['x-request-id'],
    });
    expect((await send('DELETE', '/things')).headers.allow).toBe('POST');
  });

  it("a route that refuses HEAD is not offered with it, and an unknown path stays a 404", async () => {
    const res = await send('POST', '/things/7/charge');
    expect([res.status, res.headers.allow]).toEqual([405, 'GET']);
    const unknown = await send('PUT', '/nothing/here');
    expect([unknown.status, unknown.headers.allow]).toEqual([404, undefined]);
    expect(unknown.body).toMatchObject({ code: 'not_found' });
  });

  it('a route that sends its own method on to not-found is a 404, not a 405 offering that method', async () => {
    const res = await send('GET', '/things/7/hidden');
    expect([res.status, res.headers.allow, (res.body as { code: string }).code]).toEqual([404, undefined, 'not_found']);
  });

  it('a path with an empty segment is a 404, never a 405 offering the method asked', async () => {
    for (const [method, path] of [['GET', '/things/'], ['GET', '/things//charge'], ['POST', '/things//charge']]) {
      const res = await send(method, path);
      expect([method, path, res.status, res.headers.allow, (res.body as { code: string }).code]).toEqual([method, path, 404, undefined, 'not_found']);
    }
  });

  it('an Expect other than 100-continue is a 417 in the API shape, with a request id, and its body is never asked for', async () => {
    const res = await rawRequest(port, `POST /things HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n`);
    expect([res.status, res.body]).toEqual([
      417,
      { status: 'error', code: 'validation_failed', message: 'Expect: 200-ok is not supported; only 100-continue is', requestId: res.headers['x-request-id'] },
    ]);
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });

  it('a request that is not HTTP at all is a 400 in the API shape', async () => {
    const res = await rawRequest(port, 'GARBAGE\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', code: 'validation_failed', message: 'Malformed HTTP request' });
  });
});
