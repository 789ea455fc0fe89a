import { z } from 'zod';
import { ConfigError, parseConfig } from '@tollgate/config';
import { trustProxy } from './trust-proxy.schema';

const schema = z.object({ TRUST_PROXY: trustProxy });

describe('TRUST_PROXY', () => {
  it('trusts no peer unless set, and takes addresses and ranges, or a number of hops', () => {
    expect(parseConfig(schema, {}).TRUST_PROXY).toBe(false);
    expect(parseConfig(schema, { TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
    expect(parseConfig(schema, { TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
  });

  it.each(['true', 'lb.internal', '10.0.0.0/40', '0', '1,10.0.0.1'])('stops the gateway at boot for %s', (value) => {
    expect(() => parseConfig(schema, { TRUST_PROXY: value })).toThrow(ConfigError);
  });
});
