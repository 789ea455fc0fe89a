import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { api, e2ePlatform, eventually } from '@tollgate/testing';
import { createInstance, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, trigger } from './flows-e2e.fixture';

jest.setTimeout(60_000);

const logOf = (service: 'gateway' | 'flows') => fs.readFileSync(path.join(process.env.E2E_LOG_DIR!, `${service}.log`), 'utf8');

/**
 * Webhook tokens are base64url, so most hold a `-` or `_`. A token sent where no parameter named
 * `token` carries it (a misspelt parameter, a wrong path) must still not reach the logs.
 */
describe('webhook tokens stay out of the request logs wherever the URL carries them', () => {
  let t: TestInstance;
  beforeAll(async () => {
    t = await createInstance();
  });

  it('redacts a token with - or _ in it, in a misspelt parameter and in a path', async () => {
    let flow: Awaited<ReturnType<typeof defineFlow>> | undefined;
    // About two tokens in three have one of them; which, and where, is chance.
    for (let i = 0; i < 30 && !/^wh_[A-Za-z0-9]{0,19}[-_]/.test(flow?.webhookToken ?? ''); i++) {
      flow = await defineFlow(t, { name: `Hooked ${randomUUID().slice(0, 8)}`, allowAnonymous: false, steps: [] });
    }
    const token = flow!.webhookToken;
    expect(token).toMatch(/^wh_[A-Za-z0-9]{0,19}[-_]/);

    const misspelt = await trigger('Tests', flow!.name, { query: `?instance=${t.instanceId}&tokn=${token}`, body: {} });
    expect(misspelt.status).toBe(401);
    const wrongPath = await api('GET', `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${token}`);
    expect(wrongPath.status).toBe(404);

    const secret = token.slice('wh_'.length);
    await eventually(async () => {
      const gateway = logOf('gateway');
      expect(gateway).toContain(misspelt.headers.get('x-request-id'));
      expect(gateway).toContain(wrongPath.headers.get('x-request-id'));
      expect(logOf('flows')).toContain(misspelt.headers.get('x-request-id'));
    });
    for (const service of ['gateway', 'flows'] as const) {
      const leaking = logOf(service).split('\n').filter((line) => line.includes(secret));
      expect([service, leaking]).toEqual([service, []]);
    }
  });
});
