import { z } from 'zod';
import { ConfigError, parseConfig, databaseServiceSchema, secret } from './index';

describe('parseConfig', () => {
  const valid = {
    INTERNAL_SECRET: 'x'.repeat(32),
    KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tollgate_keys',
  };

  it('returns typed values with defaults applied', () => {
    const config = parseConfig(databaseServiceSchema, valid);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.DATABASE_POOL_SIZE).toBe(10);
  });

  it('names every bad or missing variable in one error', () => {
    const attempt = () =>
      parseConfig(databaseServiceSchema, { INTERNAL_SECRET: 'short', KAFKA_BROKERS: 'nohostport' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const names = (error as ConfigError).problems.map((p) => p.variable).sort();
      expect(names).toEqual(['DATABASE_URL', 'INTERNAL_SECRET', 'KAFKA_BROKERS']);
      expect((error as Error).message).toContain('INTERNAL_SECRET: must be at least 32 bytes');
    }
  });

  it('counts secret length in bytes, not characters', () => {
    const schema = z.object({ S: secret(4) });
    expect(() => parseConfig(schema, { S: 'éé' })).not.toThrow();
    expect(() => parseConfig(schema, { S: 'abc' })).toThrow(ConfigError);
  });
});
