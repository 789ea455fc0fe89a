import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Observable, type Subscriber } from 'rxjs';
import type { Principal } from '@tollgate/auth';
import { CreditsConsumed, CreditsRefunded, TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { metricsRegistry } from '@tollgate/service-runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ProcessSubscription } from '../events/process-subscription';
import { ServiceClients } from '../downstream/service-clients';
import { systemPrincipal } from '../metering/debit-batcher';
import { publicBalance, type BalanceDto, type VersionedBalance } from './balance.dto';

interface Watched {
  /** Each open console, with the version of the last balance it was sent. */
  consoles: Map<Subscriber<BalanceDto>, { sent?: number }>;
  latest?: VersionedBalance;
}

/** Whether the feed follows credit events now: a live console needs it, nothing else does. */
const following = new Gauge({
  name: 'tollgate_gateway_balance_feed_following',
  help: '1 while this gateway follows tollgate.credits for open consoles, else 0',
  registers: [metricsRegistry],
});

/**
 * Pushes an instance's balance to its open consoles. Every gateway replica follows
 * `tollgate.credits` in a consumer group of its own, so a console on any replica sees consumption
 * made through any other; events of one instance arrive in order (one partition per aggregate), and
 * the stream version drops anything older than what a console was already shown.
 *
 * One event flows on that topic per charged request, and only open consoles need them, so the
 * gateway follows the topic only while a console is open (and BALANCE_FEED_LINGER_MS after the last
 * one closes). A console is shown the balance at once; once the subscription is positioned, every
 * open console's balance is read again, which covers what was charged while it was joining.
 */
@Injectable()
export class BalanceFeed implements OnApplicationShutdown {
  private readonly logger = new Logger(BalanceFeed.name);
  private readonly watched = new Map<string, Watched>();
  private subscription?: ProcessSubscription;
  private lingerTimer?: NodeJS.Timeout;

  constructor(
    private readonly bus: KafkaBus,
    private readonly clients: ServiceClients,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    following.set(0);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const w of this.watched.values()) for (const c of w.consoles.keys()) c.complete();
    clearTimeout(this.lingerTimer);
    await this.unfollow();
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
      if (!w) this.watched.set(instanceId, (w = { consoles: new Map() }));
      const watched = w;
      watched.consoles.set(console, {});
      this.follow();
      void this.balance(principal, requestId).then(
        (current) => {
          this.offer(watched, current);
          if (watched.latest) this.send(watched, console, watched.latest);
        },
        (error: unknown) => console.error(error),
      );
      return () => {
        watched.consoles.delete(console);
        if (watched.consoles.size === 0 && this.watched.get(instanceId) === watched) this.watched.delete(instanceId);
        if (this.watched.size === 0) this.unfollowLater();
      };
    });
  }

  private follow(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (this.subscription) return;
    this.subscription = new ProcessSubscription(this.bus, {
      name: 'credits',
      topics: [TOPICS.credits],
      logger: this.logger,
      onEvent: (event) => this.apply(event),
      // Only instances with a console open need their events.
      accepts: (envelope) => typeof envelope.instanceId === 'string' && this.watched.has(envelope.instanceId),
      onPositioned: () => void this.refreshAll(),
    });
    this.subscription.start();
    following.set(1);
  }

  private unfollowLater(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      if (this.watched.size === 0) void this.unfollow();
    }, this.config.BALANCE_FEED_LINGER_MS);
    this.lingerTimer.unref();
  }

  private async unfollow(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    following.set(0);
    await subscription?.stop().catch((error: Error) => this.logger.warn({ err: error.message }, 'credits subscription did not stop cleanly'));
  }

  /** What was charged before the subscription was positioned reached no event handler: read it. */
  private async refreshAll(): Promise<void> {
    await Promise.all(
      [...this.watched].map(async ([instanceId, watched]) => {
        try {
          this.offer(watched, await this.balance(systemPrincipal(instanceId), `req_feed_${randomUUID()}`), true);
        } catch (error) {
          this.logger.warn({ instanceId, err: (error as Error).message }, 'balance refresh failed');
        }
      }),
    );
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
    if (broadcast) for (const c of watched.consoles.keys()) this.send(watched, c, balance);
  }

  /** A console is sent only what is newer than what it was last sent: a refresh may read what an event already showed. */
  private send(watched: Watched, console: Subscriber<BalanceDto>, balance: VersionedBalance): void {
    const state = watched.consoles.get(console);
    if (!state || (state.sent !== undefined && (balance.version ?? 0) <= state.sent)) return;
    state.sent = balance.version ?? 0;
    console.next(publicBalance(balance));
  }
}
