import { Module, type INestApplication } from '@nestjs/common';
import { createService } from '../bootstrap';
import { ServiceCoreModule } from '../service-core.module';

const TOKEN = 'scrape-token-0123456789';

async function serve(metricsToken?: string): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: [ServiceCoreModule.forRoot({ name: 'metrics-token-test', logLevel: 'silent', metricsToken, readiness: { useValue: [] } })] })
  class TestModule {}
  const app = await createService({ name: 'metrics-token-test', module: TestModule, host: '127.0.0.1', port: 0 });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('GET /metrics on a port reachable from outside (METRICS_TOKEN)', () => {
  const apps: INestApplication[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  it('answers only the configured Bearer token, and a 401 in the API shape otherwise', async () => {
    const { app, url } = await serve(TOKEN);
    apps.push(app);
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Bearer ${TOKEN}x`, TOKEN]) {
      const res = await fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });
      expect([authorization, res.status, res.headers.get('www-authenticate')]).toEqual([authorization, 401, 'Bearer realm="tollgate"']);
      expect(await res.json()).toMatchObject({ status: 'error', code: 'invalid_token' });
    }
    const scraped = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('process_resident_memory_bytes');
    // Health stays open: load balancers probe it without credentials.
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('stays open without a token, as inside a private network', async () => {
    const { app, url } = await serve();
    apps.push(app);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });
});
