import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Observable, type Subscriber } from 'rxjs';
import type { Principal } from '@tollgate/auth';
import { CreditsConsumed, CreditsRefunded, TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { ProcessSubscription } from '../events/process-subscription';
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
  private readonly subscription: ProcessSubscription;

  constructor(
    bus: KafkaBus,
    private readonly clients: ServiceClients,
  ) {
    this.subscription = new ProcessSubscription(bus, {
      name: 'credits',
      topics: [TOPICS.credits],
      logger: this.logger,
      onEvent: (event) => this.apply(event),
      // One event per charged request flows here; only instances with a console open need it.
      accepts: (envelope) => typeof envelope.instanceId === 'string' && this.watched.has(envelope.instanceId),
    });
  }

  onApplicationBootstrap(): void {
    this.subscription.start();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const w of this.watched.values()) for (const c of w.consoles) c.complete();
    await this.subscription.stop();
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
}
