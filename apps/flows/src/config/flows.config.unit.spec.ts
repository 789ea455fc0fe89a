import { ConfigError, parseConfig } from '@tollgate/config';
import { flowsConfigSchema } from './flows.config';

const valid = {
  INTERNAL_SECRET: 'x'.repeat(32),
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tollgate_flows',
};

describe('flows configuration', () => {
  it('reads the http allow-list as hosts, host:port pairs and CIDR ranges', () => {
    const config = parseConfig(flowsConfigSchema, { ...valid, FLOWS_HTTP_ALLOWLIST: 'Mock.internal, mock:8443, 10.0.0.0/8,fd00::/8' });
    expect(config.FLOWS_HTTP_ALLOWLIST).toEqual(['mock.internal', 'mock:8443', '10.0.0.0/8', 'fd00::/8']);
  });

  it('refuses a range it cannot read, naming it, instead of taking it for a host name that matches nothing', () => {
    const attempt = () => parseConfig(flowsConfigSchema, { ...valid, FLOWS_HTTP_ALLOWLIST: '10.0.0.0/33,mock.internal,mock/24' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('FLOWS_HTTP_ALLOWLIST: 10.0.0.0/33, mock/24: not a CIDR range (entries are hosts, host:port pairs or CIDR ranges)');
  });

  it('keeps a path in the public gateway URL, and refuses one in a service URL', () => {
    expect(parseConfig(flowsConfigSchema, { ...valid, GATEWAY_URL: 'https://api.example.com/tollgate' }).GATEWAY_URL).toBe('https://api.example.com/tollgate');
    expect(() => parseConfig(flowsConfigSchema, { ...valid, QUERY_URL: 'http://query:8083/v1' })).toThrow('QUERY_URL: must be');
  });
});
