import { randomUUID } from 'node:crypto';
import { api } from '@tollgate/testing';
import { call, createInstance, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, run } from './flows-e2e.fixture';

jest.setTimeout(60_000);

/** A body's `access_token` is a credential only when it holds a key: any other is the sender's data. */
describe("flows: a webhook payload's own access_token", () => {
  let t: TestInstance;
  let echo: Awaited<ReturnType<typeof defineFlow>>;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  beforeAll(async () => {
    t = await createInstance();
    echo = await defineFlow(t, { name: `Echo ${randomUUID().slice(0, 6)}`, allowAnonymous: true, steps: [{ type: 'output', name: 'body', from: '[$input.body]' }] });
  });

  it('reaches the flow as sent, in a JSON body and in a form', async () => {
    const json = await api('POST', echo.urls.trigger, { body: { event: 'token.refreshed', access_token: 'ya29.a0AfH6SMBx' } });
    expect([json.status, json.body.data]).toEqual([200, { body: [{ event: 'token.refreshed', access_token: 'ya29.a0AfH6SMBx' }] }]);
    const posted = await api('POST', echo.urls.trigger, { headers: form, rawBody: 'event=token.refreshed&access_token=ya29.a0AfH6SMBx' });
    expect([posted.status, posted.body.data]).toEqual([200, { body: [{ event: 'token.refreshed', access_token: 'ya29.a0AfH6SMBx' }] }]);
    expect((await run(t, json.body.processId)).body.startedBy).toBe('anonymous');
  });

  it('is taken out when it is the key the call is made with, which the run is started by', async () => {
    const keyId = (await call('GET', '/api/v1/auth/me', { 'x-api-key': t.orgKey })).body.keyId;
    const json = await api('POST', echo.urls.trigger, { body: { n: 1, access_token: t.orgKey } });
    expect([json.status, json.body.data]).toEqual([200, { body: [{ n: 1 }] }]);
    const posted = await api('POST', echo.urls.trigger, { headers: form, rawBody: `n=2&access_token=${t.orgKey}` });
    expect([posted.status, posted.body.data]).toEqual([200, { body: [{ n: '2' }] }]);
    for (const answer of [json, posted]) expect((await run(t, answer.body.processId)).body.startedBy).toBe(keyId);
  });

  it('never passes on a key or a session, even one that authenticates nothing (given twice, in a list)', async () => {
    const twice = await api('POST', echo.urls.trigger, { headers: form, rawBody: `n=3&access_token=${t.orgKey}&access_token=${t.orgKey}` });
    const listed = await api('POST', echo.urls.trigger, { body: { n: 4, access_token: [t.orgKey] } });
    const session = await api('POST', echo.urls.trigger, { body: { n: 5, access_token: t.session } });
    expect([twice, listed, session].map((r) => [r.status, r.body.data])).toEqual([
      [200, { body: [{ n: '3' }] }],
      [200, { body: [{ n: 4 }] }],
      [200, { body: [{ n: 5 }] }],
    ]);
  });
});
