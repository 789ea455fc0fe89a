import { repeatLimited } from './repeat-limited-logger';

describe('repeat-limited bus logger', () => {
  const setup = () => {
    const written: [string, object, string | undefined][] = [];
    let clock = 0;
    const logger = repeatLimited(
      {
        debug: (o, m) => written.push(['debug', o, m]),
        info: (o, m) => written.push(['info', o, m]),
        warn: (o, m) => written.push(['warn', o, m]),
        error: (o, m) => written.push(['error', o, m]),
      },
      1000,
      () => clock,
    );
    return { written, logger, advance: (ms: number) => (clock += ms) };
  };

  it('writes a repeated warning once per window, then says how many it held back', () => {
    const { written, logger, advance } = setup();
    logger.warn({ a: 1 }, 'kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    logger.warn({ a: 2 }, 'kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    advance(500);
    logger.warn({ a: 3 }, 'kafka: Restarting the consumer in 200ms');
    logger.warn({ a: 4 }, 'kafka: Restarting the consumer in 795ms');
    advance(600);
    logger.warn({ a: 5 }, 'kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(written).toEqual([
      ['warn', { a: 1 }, 'kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
      ['warn', { a: 3 }, 'kafka: Restarting the consumer in 200ms'],
      ['warn', { a: 5, repeatedSinceLastLine: 1 }, 'kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
    ]);
  });

  it('leaves debug and info lines alone', () => {
    const { written, logger } = setup();
    logger.info({}, 'same');
    logger.info({}, 'same');
    logger.debug({}, 'same');
    expect(written.map(([level]) => level)).toEqual(['info', 'info', 'debug']);
  });
});
