import { Client } from 'undici';
import { Controller, Get, Module, type BeforeApplicationShutdown } from '@nestjs/common';
import { closeGracefully, createService } from './bootstrap';
import { ServiceCoreModule } from './service-core.module';

const order: string[] = [];
let release!: () => void;

@Controller('slow')
class SlowController {
  @Get()
  async slow() {
    order.push('request started');
    await new Promise<void>((resolve) => (release = resolve));
    order.push('request finished');
    return { done: true };
  }

  @Get('quick')
  quick() {
    return { quick: true };
  }
}

class FlushOnShutdown implements BeforeApplicationShutdown {
  beforeApplicationShutdown() {
    order.push('shutdown hooks');
  }
}

@Module({
  imports: [ServiceCoreModule.forRoot({ name: 'shutdown-test', logLevel: 'silent', readiness: { useValue: [] } })],
  controllers: [SlowController],
  providers: [FlushOnShutdown],
})
class TestModule {}

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new ones, and only then runs the shutdown hooks', async () => {
    const app = await createService({ name: 'shutdown-test', module: TestModule, host: '127.0.0.1', port: 0 });
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();

    const inFlight = fetch(`${url}/slow`);
    while (!order.includes('request started')) await new Promise((r) => setTimeout(r, 5));

    const closing = closeGracefully(app);
    await new Promise((r) => setTimeout(r, 50)); // closing has begun; the request is still running
    await expect(fetch(`${url}/slow`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closing;
    expect(order).toEqual(['request started', 'request finished', 'shutdown hooks']);
  });

  it('answers a request that reaches it on a connection kept open, once the stop began, 503 in the error shape', async () => {
    order.length = 0;
    const app = await createService({ name: 'shutdown-test', module: TestModule, host: '127.0.0.1', port: 0 });
    await app.listen(0, '127.0.0.1');
    // One connection, two requests on it: the second is read once the stop has begun.
    const client = new Client(await app.getUrl(), { pipelining: 2 });
    try {
      const first = client.request({ method: 'GET', path: '/slow' });
      while (!order.includes('request started')) await new Promise((r) => setTimeout(r, 5));
      const closing = closeGracefully(app);
      await new Promise((r) => setTimeout(r, 50));
      const second = client.request({ method: 'GET', path: '/quick', headers: { 'x-request-id': 'late-one' } });
      release();
      expect((await first).statusCode).toBe(200);
      const late = await second;
      expect([late.statusCode, late.headers['x-request-id'], late.headers['retry-after'], await late.body.json()]).toEqual([
        503,
        'late-one',
        '1',
        { status: 'error', code: 'unavailable', message: 'The service is stopping; retry shortly', requestId: 'late-one' },
      ]);
      await closing;
    } finally {
      await client.close().catch(() => undefined);
    }
  });
});
