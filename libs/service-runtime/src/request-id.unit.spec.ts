import type { IncomingMessage } from 'node:http';
import { requestIdChosenByClient, requestIdFor } from './request-id';

const request = (header?: string) => ({ headers: header === undefined ? {} : { 'x-request-id': header } }) as unknown as IncomingMessage;

describe('request ids (unit)', () => {
  it("keeps a client's sane X-Request-Id and remembers that the client chose it", () => {
    const req = request('client-trace-1');
    expect(requestIdFor(req)).toBe('client-trace-1');
    expect(requestIdChosenByClient(req)).toBe(true);
  });

  it('makes up a unique id when the client sent none or an unusable one, and writes it back', () => {
    for (const header of [undefined, 'has spaces', 'x'.repeat(129)]) {
      const req = request(header);
      const id = requestIdFor(req);
      expect(id).toMatch(/^req_[0-9a-f-]{36}$/);
      expect(req.headers['x-request-id']).toBe(id);
      expect(requestIdChosenByClient(req)).toBe(false);
    }
    expect(requestIdFor(request())).not.toBe(requestIdFor(request()));
  });
});
