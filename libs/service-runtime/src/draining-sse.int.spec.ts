import { Controller, Module, Sse, type MessageEvent } from '@nestjs/common';
import { interval, map, merge, of, takeUntil, type Observable } from 'rxjs';
import { closeGracefully, createService } from './bootstrap';
import { Draining } from './draining';
import { ServiceCoreModule } from './service-core.module';

@Controller('events')
class StreamController {
  constructor(private readonly draining: Draining) {}

  @Sse()
  events(): Observable<MessageEvent> {
    return merge(of<MessageEvent>({ type: 'tick', data: { n: 1 } }), interval(60_000).pipe(map((): MessageEvent => ({ data: 'keep-alive' })))).pipe(
      takeUntil(this.draining.drained()),
    );
  }
}

@Module({
  imports: [ServiceCoreModule.forRoot({ name: 'draining-test', logLevel: 'silent', readiness: { useValue: [] } })],
  controllers: [StreamController],
})
class TestModule {}

describe('graceful shutdown with an event stream open', () => {
  it('ends a stream that never ends by itself once it is told to drain, and closes at once', async () => {
    const app = await createService({ name: 'draining-test', module: TestModule, host: '127.0.0.1', port: 0 });
    await app.listen(0, '127.0.0.1');
    const response = await fetch(`${await app.getUrl()}/events`);
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('event: tick')) seen += new TextDecoder().decode((await reader.read()).value);
    const started = Date.now();
    await closeGracefully(app);
    expect(Date.now() - started).toBeLessThan(2000);
    while (!(await reader.read()).done);
  });
});
