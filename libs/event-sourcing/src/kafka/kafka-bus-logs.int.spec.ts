import * as net from 'node:net';
import { KafkaBus, type BusLogger } from './kafka-bus';

jest.setTimeout(60_000);

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the Kafka client\'s log while no broker answers', () => {
  it('says once what is wrong, not once per retry', async () => {
    const lines: { level: string; msg?: string; obj: object }[] = [];
    const capture = (level: string) => (obj: object, msg?: string) => lines.push({ level, msg, obj });
    const logger: BusLogger = { debug: () => undefined, info: capture('info'), warn: capture('warn'), error: capture('error') };
    const bus = new KafkaBus({ brokers: [`127.0.0.1:${await closedPort()}`], clientId: 'quiet-outage', logger });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(bus.publish([{ topic: 'tollgate.nowhere', key: 'k', value: 'v' }])).rejects.toThrow();
      }
      const messages = lines.map((l) => l.msg);
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.some((m) => m?.includes('ECONNREFUSED'))).toBe(true);
      expect(new Set(messages).size).toBe(messages.length);
    } finally {
      await bus.close().catch(() => undefined);
    }
  });
});
