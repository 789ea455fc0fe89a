import { Logger } from '@nestjs/common';
import type { Principal } from '@tollgate/auth';
import type { EventEnvelope } from '@tollgate/contracts';
import type { KafkaBus, OutgoingMessage } from '@tollgate/event-sourcing';
import type { GatewayConfig } from '../config/gateway.config';
import type { ServiceClients } from '../downstream/service-clients';
import { KeyUsageReporter } from './key-usage-reporter';

const key = (keyId: string): Principal => ({ instanceId: 'demo', kind: 'organization', keyId, scopes: ['query'] });
const config = { KEY_USAGE_FLUSH_MS: 1000, SHUTDOWN_GRACE_MS: 2000 } as GatewayConfig;

/** Kafka and keys as the test decides: each answers, fails, or never answers. */
function reporterWith(kafka: 'up' | 'down' | 'hangs', keys: 'up' | 'down') {
  const published: EventEnvelope[] = [];
  const handedOver: EventEnvelope[] = [];
  const bus = {
    publish: jest.fn(async (messages: OutgoingMessage[]) => {
      if (kafka === 'hangs') return new Promise<void>(() => undefined);
      if (kafka === 'down') throw new Error('broker unreachable');
      published.push(...messages.map((m) => JSON.parse(m.value) as EventEnvelope));
    }),
  } as unknown as KafkaBus;
  const clients = {
    keys: {
      json: jest.fn(async ({ body }: { body: { events: EventEnvelope[] } }) => {
        if (keys === 'down') throw new Error('The keys service is unavailable');
        handedOver.push(...body.events);
        return { status: 200, body: { applied: body.events.length } };
      }),
    },
  } as unknown as ServiceClients;
  const reporter = new KeyUsageReporter(config, bus, clients);
  return { reporter, bus, published, handedOver };
}

const counts = (events: EventEnvelope[]) => Object.fromEntries(events.map((e) => [(e.data as { keyId: string }).keyId, (e.data as { count: number }).count]));

describe('key usage reporter, at shutdown', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('publishes what is left to Kafka when it answers, and hands nothing to keys', async () => {
    const { reporter, published, handedOver } = reporterWith('up', 'up');
    reporter.record(key('k1'));
    reporter.record(key('k1'));
    await reporter.onApplicationShutdown();
    expect(counts(published)).toEqual({ k1: 2 });
    expect(handedOver).toEqual([]);
  });

  it('hands to keys the very events a report still stuck on Kafka carried, with what came after, within the grace', async () => {
    jest.useFakeTimers();
    try {
      const { reporter, bus, handedOver } = reporterWith('hangs', 'up');
      reporter.record(key('k1'));
      void reporter.flush(); // never answered
      reporter.record(key('k1'));
      reporter.record(key('k2'));
      let done = false;
      const shutdown = reporter.onApplicationShutdown().then(() => (done = true));
      await jest.advanceTimersByTimeAsync(1000); // the shutdown work's share of a 2 s grace
      expect(done).toBe(true);
      await shutdown;
      const stuck = JSON.parse((bus.publish as jest.Mock).mock.calls[0][0][0].value) as EventEnvelope;
      expect(handedOver.map((e) => e.id)).toContain(stuck.id);
      expect(handedOver.reduce((sum, e) => sum + (e.data as { count: number }).count, 0)).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('hands a failed report to keys with the ids Kafka was offered', async () => {
    const { reporter, bus, handedOver } = reporterWith('down', 'up');
    reporter.record(key('k1'));
    await reporter.onApplicationShutdown();
    const offered = (bus.publish as jest.Mock).mock.calls.flatMap(([messages]) => (messages as OutgoingMessage[]).map((m) => JSON.parse(m.value).id));
    expect(handedOver.map((e) => e.id)).toEqual(offered);
    expect(counts(handedOver)).toEqual({ k1: 1 });
  });

  it('says how many keys’ use was lost when neither Kafka nor keys takes it', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const { reporter } = reporterWith('down', 'down');
      reporter.record(key('k1'));
      reporter.record(key('k2'));
      reporter.record(key('k2'));
      await reporter.onApplicationShutdown();
      expect(error).toHaveBeenCalledWith(
        expect.objectContaining({ keys: 2, uses: 3, err: 'The keys service is unavailable' }),
        'key usage of 2 keys lost: neither Kafka nor keys took it before shutdown',
      );
    } finally {
      error.mockRestore();
    }
  });
});

describe('key usage reporter, while running', () => {
  it('offers a refused report again with the same event ids, and newer use after it under ids of its own', async () => {
    // Kafka refuses the first report after taking it (an acknowledgement lost on the way back), then answers.
    const offered: EventEnvelope[][] = [];
    const bus = {
      publish: jest.fn(async (messages: OutgoingMessage[]) => {
        offered.push(messages.map((m) => JSON.parse(m.value) as EventEnvelope));
        if (offered.length === 1) throw new Error('request timed out');
      }),
    } as unknown as KafkaBus;
    const reporter = new KeyUsageReporter(config, bus, {} as ServiceClients);
    reporter.record(key('k1'));
    await reporter.flush();
    reporter.record(key('k1'));
    reporter.record(key('k2'));
    await reporter.flush();
    await reporter.flush();
    const ids = (events: EventEnvelope[]) => events.map((e) => e.id);
    expect(ids(offered[1])).toEqual(ids(offered[0])); // keys applies that id once, however often it arrives
    expect(counts(offered[1])).toEqual({ k1: 1 });
    expect(counts(offered[2])).toEqual({ k1: 1, k2: 1 });
    expect(ids(offered[2])).not.toContain(offered[0][0].id);
    expect(offered).toHaveLength(3);
  });
});
