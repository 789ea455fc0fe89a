import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EventEnvelope } from '@tollgate/contracts';
import { ConcurrencyError, EventStore } from '@tollgate/event-sourcing';
import { Clock } from '../clock';
import type { Decision } from './credit-account.decider';
import { creditAccountStream, type CreditAccountState } from './credit-account.events';
import { CreditLedgerProjection, readAccount } from './credit-ledger.projection';

export type Decide<R> = (state: CreditAccountState, em: EntityManager, now: Date) => Decision<R> | Promise<Decision<R>>;

export interface Written<R> extends Decision<R> {
  appended: EventEnvelope[];
}

/**
 * One transaction per command on an instance's pool: lock the snapshot row, decide, append the
 * events (and their outbox rows), update the read models. The row lock serialises writers across
 * replicas; the stream version check catches anything that slips past it (first creation).
 */
@Injectable()
export class CreditAccountWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly projection: CreditLedgerProjection,
    private readonly clock: Clock,
  ) {}

  async execute<R>(instanceId: string, decide: Decide<R>, correlationId?: string): Promise<Written<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (em) => {
          const state = await readAccount(em, instanceId, true);
          const now = this.clock.now();
          const decision = await decide(state, em, now);
          const appended = await this.store.append(em, {
            streamId: creditAccountStream(instanceId),
            instanceId,
            expectedVersion: state.version,
            events: decision.events,
            correlationId,
            now,
          });
          await this.projection.applyMany(em, appended);
          return { ...decision, state: { ...decision.state, version: state.version + appended.length }, appended };
        });
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 3) throw error;
      }
    }
  }
}
