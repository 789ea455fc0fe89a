import type { GatewayConfig } from '../config/gateway.config';
import { AuthFailureLimiter } from './auth-failure-limiter';

const config = { AUTH_FAILURE_LIMIT: 3, AUTH_FAILURE_WINDOW_S: 60 } as GatewayConfig;

async function status(check: Promise<void>): Promise<number> {
  try {
    await check;
    return 200;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('failed authentications, counted by client', () => {
  it('counts an IPv6 client by its /64, which one subscriber holds whole: a new address in it is no new client', async () => {
    const limiter = new AuthFailureLimiter(config);
    for (let i = 1; i <= 3; i++) await limiter.recordFailure(`2001:db8:7:8::${i}`);
    expect(await status(limiter.recordFailure('2001:db8:7:8:ffff:1:2:3'))).toBe(429);
    expect(await status(limiter.assertAllowed('2001:db8:7:8::abcd'))).toBe(429);
    // Another /64, an IPv4 client, and the same IPv4 client written as IPv6 are counted apart from it.
    expect(await status(limiter.assertAllowed('2001:db8:7:9::1'))).toBe(200);
    expect(await status(limiter.assertAllowed('203.0.113.9'))).toBe(200);
    for (let i = 0; i < 3; i++) await limiter.recordFailure('203.0.113.9');
    expect(await status(limiter.recordFailure('::ffff:203.0.113.9'))).toBe(429);
  });
});
