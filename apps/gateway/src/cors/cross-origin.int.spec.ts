import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { createService, ServiceCoreModule } from '@tollgate/service-runtime';
import { allowCrossOrigin } from './cross-origin';

@Controller('things')
class ThingsController {
  @Get()
  things() {
    return { things: [] };
  }
}

@Module({
  imports: [ServiceCoreModule.forRoot({ name: 'cors-test', logLevel: 'silent', readiness: { useValue: [] } })],
  controllers: [ThingsController],
})
class TestModule {}

describe('CORS_ORIGINS=* (int)', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await createService({ name: 'cors-test', module: TestModule, host: '127.0.0.1', port: 0, configure: (a) => allowCrossOrigin(a, ['*']) });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  it('lets a page of any origin read answers, without reflecting the origin', async () => {
    const res = await fetch(`${base}/things`, { headers: { origin: 'https://anyone.example' } });
    expect([res.status, res.headers.get('access-control-allow-origin')]).toEqual([200, '*']);
    const preflight = await fetch(`${base}/things`, {
      method: 'OPTIONS',
      headers: { origin: 'https://anyone.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('access-control-allow-headers')]).toEqual([204, '*', 'x-api-key']);
  });

  it('adds nothing to a request that names no origin', async () => {
    const res = await fetch(`${base}/things`);
    expect([res.status, res.headers.get('access-control-allow-origin')]).toEqual([200, null]);
  });
});
