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
});
