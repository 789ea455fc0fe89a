import * as net from 'node:net';
import { KafkaBus } from './kafka-bus';

jest.setTimeout(60_000);

describe('KafkaBus.ping (what readiness checks ask)', () => {
  it('gives up within its time limit when the broker takes connections and never answers', async () => {
    // A broker that hangs (or a firewall dropping its answers): connected, silent.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const bus = new KafkaBus({ brokers: [`127.0.0.1:${(silent.address() as net.AddressInfo).port}`], clientId: 'silent-broker' });
    try {
      await expect(bus.ping(500)).rejects.toThrow('no answer from Kafka within 500 ms');
      // Asked again while the first connection attempt still hangs: the same limit.
      await expect(bus.ping(500)).rejects.toThrow('no answer from Kafka within 500 ms');
    } finally {
      // Refuse from now on, so the client's pending connection attempt fails and the bus can close.
      const closed = new Promise((resolve) => silent.close(resolve));
      for (const socket of sockets) socket.destroy();
      await bus.close().catch(() => undefined);
      await closed;
    }
  });
});
