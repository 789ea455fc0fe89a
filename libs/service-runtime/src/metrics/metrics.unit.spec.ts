import { httpRequestDuration, metricsRegistry, registerGauge } from './metrics';

describe('metrics scrape', () => {
  const names: string[] = [];
  const gauge = (name: string, collect: () => Promise<number>) => {
    names.push(name);
    return registerGauge(name, `${name} for the test`, collect);
  };
  afterEach(() => names.splice(0).forEach((name) => metricsRegistry.removeSingleMetric(name)));
  beforeAll(() => httpRequestDuration.labels('GET', '/x', '200').observe(0.01));

  it('serves a gauge read from a dependency', async () => {
    gauge('test_backlog', async () => 7);
    expect(await metricsRegistry.metrics()).toMatch(/^test_backlog 7$/m);
  });

  it('still serves every other series when a gauge\'s dependency fails, without a sample for that gauge', async () => {
    let down = false;
    gauge('test_backlog_failing', async () => {
      if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return 3;
    });
    expect(await metricsRegistry.metrics()).toMatch(/^test_backlog_failing 3$/m);
    down = true;
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/x",status_code="200"\} \d+$/m);
    expect(text).not.toMatch(/^test_backlog_failing /m);
  });

  it('answers within about a second when a gauge\'s dependency hangs', async () => {
    gauge('test_backlog_hanging', () => new Promise<number>(() => undefined));
    jest.useFakeTimers();
    try {
      let text: string | undefined;
      const scrape = metricsRegistry.metrics().then((t) => (text = t));
      await jest.advanceTimersByTimeAsync(1000);
      expect(text).toMatch(/^http_request_duration_seconds_count/m);
      expect(text).not.toMatch(/^test_backlog_hanging /m);
      await scrape;
    } finally {
      jest.useRealTimers();
    }
  });
});
