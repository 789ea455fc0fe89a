import { z } from 'zod';
import { ConfigError, parseConfig, databaseServiceSchema, port, secret, serviceUrl } from './index';

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

  const problems = (attempt: () => unknown): string[] => {
    try {
      attempt();
    } catch (error) {
      return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
    }
    return [];
  };

  it('takes a variable set to nothing as not set: a default, not 0 or an empty host', () => {
    const config = parseConfig(databaseServiceSchema.extend({ PORT: port(8081) }), { ...valid, PORT: '', SHUTDOWN_GRACE_MS: ' ', HOST: '', METRICS_TOKEN: '' });
    expect(config).toMatchObject({ PORT: 8081, SHUTDOWN_GRACE_MS: 10_000, HOST: '127.0.0.1' });
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(problems(() => parseConfig(databaseServiceSchema, { ...valid, INTERNAL_SECRET: '' }))).toEqual(['INTERNAL_SECRET: is required']);
  });

  it('refuses a shutdown grace too short for the shutdown work', () => {
    expect(problems(() => parseConfig(databaseServiceSchema, { ...valid, SHUTDOWN_GRACE_MS: '0' }))).toEqual(['SHUTDOWN_GRACE_MS: must be at least 1000 (ms)']);
  });

  it('takes a service URL as its origin, and refuses one with a path or another scheme', () => {
    const schema = z.object({ KEYS_URL: serviceUrl('http://127.0.0.1:8081') });
    expect(parseConfig(schema, {}).KEYS_URL).toBe('http://127.0.0.1:8081');
    expect(parseConfig(schema, { KEYS_URL: 'http://keys:8081/' }).KEYS_URL).toBe('http://keys:8081');
    expect(parseConfig(schema, { KEYS_URL: 'HTTPS://Keys.internal' }).KEYS_URL).toBe('https://keys.internal');
    expect(problems(() => parseConfig(schema, { KEYS_URL: 'http://keys:8081/api' }))).toEqual([
      "KEYS_URL: must be the service's origin alone (http://keys:8081), without a path, query or credentials",
    ]);
    expect(problems(() => parseConfig(schema, { KEYS_URL: 'ftp://keys:8081' }))).toEqual(['KEYS_URL: must be an http:// or https:// URL']);
    expect(problems(() => parseConfig(schema, { KEYS_URL: 'keys:8081' }))).toEqual(['KEYS_URL: must be an http:// or https:// URL']);
  });
});
