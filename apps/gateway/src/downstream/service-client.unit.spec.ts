import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrincipalTokens } from '@tollgate/auth';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { ServiceClient } from './service-client';

/**
 * A debit whose answer is lost after its headers may have been charged: the gateway must hear
 * "unknown outcome" (and refund), as when no answer came at all, not a bare parse error.
 */
describe('a service answer cut off after its headers, or not JSON', () => {
  let server: http.Server;
  let client: ServiceClient;
  const answers: Record<string, (res: http.ServerResponse) => void> = {
    '/cut': (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"results":[');
      setTimeout(() => res.socket?.destroy(), 20);
    },
    '/garbled': (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"results":[');
    },
    '/slow': (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
    },
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => answers[req.url!](res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new ServiceClient('credits', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, new PrincipalTokens('s'.repeat(32)), 500);
  });
  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['/cut', ErrorCode.Unavailable, "The credits service's answer could not be read"],
    ['/garbled', ErrorCode.Unavailable, "The credits service's answer could not be read"],
    ['/slow', ErrorCode.Timeout, "The credits service's answer did not arrive in time"],
  ])('%s: an ApiException the callers settle, %s', async (path, code, message) => {
    const failure = await client.json({ method: 'POST', path, principal: { instanceId: 'i', kind: 'system', scopes: [] }, requestId: 'req_1' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiException);
    expect(failure).toMatchObject({ code, message });
  });
});
