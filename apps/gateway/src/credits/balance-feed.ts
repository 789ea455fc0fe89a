import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Observable, type Subscriber } from 'rxjs';
import type { Principal } from '@tollgate/auth';
import { CreditsConsumed, CreditsRefunded, TOPICS, tollgateCatalog, type EventEnvelope } from '@tollgate/contracts';
import { EventSubscriber, KafkaBus } from '@tollgate/event-sourcing';
import { ServiceClients } from '../downstream/service-clients';
import { systemPrincipal } from '../metering/debit-batcher';
import { publicBalance, type BalanceDto, type VersionedBalance } from './balance.dto';

interface Watched {
  consoles: Set<Subscriber<BalanceDto>>;
  latest?: VersionedBalance;
}

/**
 * Pushes an instance's balance to its open consoles. Every gateway replica follows
 * `tollgate.credits` in a consumer group of its own, so a console on any replica sees consumption
 * made through any other; events of one instance arrive in order (one partition per aggregate), and
 * the stream version drops anything older than what a console was already shown.
 */
@Injectable()
export class BalanceFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BalanceFeed.name);
  private readonly watched = new Map<string, Watched>();
  private readonly subscriber: EventSubscriber;
  private stopped = false;

  constructor(
    bus: KafkaBus,
    private readonly clients: ServiceClients,
  ) {
    this.subscriber = new EventSubscriber(bus, tollgateCatalog, {
      groupId: `tollgate-gateway-credits-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
      topics: [TOPICS.credits],
      fromBeginning: false,
      logger: this.logger as never,
      onEvent: async (event) => this.apply(event),
    });
  }

  onApplicationBootstrap(): void {
    void this.start(500);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const w of this.watched.values()) for (const c of w.consoles) c.complete();
    await this.subscriber.stop();
  }

  async balance(principal: Principal, requestId: string): Promise<VersionedBalance> {
    const { body } = await this.clients.credits.json<VersionedBalance>({ method: 'GET', path: '/balance', principal, requestId });
    return body;
  }

  /** The current balance at once, then one after every change, until the console goes away. */
  stream(principal: Principal, requestId: string): Observable<BalanceDto> {
    const instanceId = principal.instanceId;
    return new Observable<BalanceDto>((console) => {
      let w = this.watched.get(instanceId);
      if (!w) this.watched.set(instanceId, (w = { consoles: new Set() }));
      const watched = w;
      watched.consoles.add(console);
      void this.balance(principal, requestId).then(
        (current) => {
          this.offer(watched, current);
          if (watched.latest) console.next(publicBalance(watched.latest));
        },
        (error: unknown) => console.error(error),
      );
      return () => {
        watched.consoles.delete(console);
        if (watched.consoles.size === 0 && this.watched.get(instanceId) === watched) this.watched.delete(instanceId);
      };
    });
  }

  private async apply(event: EventEnvelope): Promise<void> {
    const watched = this.watched.get(event.instanceId);
    if (!watched) return;
    if ((watched.latest?.version ?? 0) >= event.sequence) return;
    if ((event.type === CreditsConsumed.type || event.type === CreditsRefunded.type) && watched.latest) {
      this.offer(watched, { ...watched.latest, remaining: (event.data as { remaining: number }).remaining, version: event.sequence }, true);
      return;
    }
    // Resets and plan changes move the allowance and the next midnight: ask credits for all of it.
    const current = await this.balance(systemPrincipal(event.instanceId), `req_feed_${event.id}`);
    this.offer(watched, current, true);
  }

  private offer(watched: Watched, balance: VersionedBalance, broadcast = false): void {
    if (watched.latest && (balance.version ?? 0) < (watched.latest.version ?? 0)) return;
    watched.latest = balance;
    if (broadcast) for (const c of watched.consoles) c.next(publicBalance(balance));
  }

  private async start(retryMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.subscriber.start();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'credits subscription failed; retrying');
      setTimeout(() => void this.start(Math.min(retryMs * 2, 10_000)), retryMs).unref();
    }
  }
}
