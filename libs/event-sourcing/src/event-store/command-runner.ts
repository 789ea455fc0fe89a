import type { DataSource, EntityManager } from 'typeorm';
import type { EventEnvelope } from '@tollgate/contracts';
import { applyProjections, type Projection } from '../projections/projection';
import { ConcurrencyError } from './concurrency-error';
import type { EventStore } from './event-store';
import type { PendingEvent } from './pending-event';

/** An aggregate as pure functions: fold past events into state, decide new events from a command. */
export interface Decider<State, Command> {
  initialState(): State;
  evolve(state: State, event: EventEnvelope): State;
  decide(command: Command, state: State, now: Date): PendingEvent[];
}

export interface RunRequest<Command> {
  streamId: string;
  instanceId: string;
  command: Command;
  correlationId?: string;
  /**
   * For streams that one request starts and whose later events still answer it (a flow run): new
   * events without a correlationId of their own take the stream's first event's, and have that
   * event as their cause unless a causationId is given.
   */
  inheritCorrelation?: boolean;
  causationId?: string;
  now?: Date;
  /** Runs inside the same transaction, e.g. for a consumer that must record the event it applied. */
  em?: EntityManager;
}

export interface RunResult<State> {
  state: State;
  events: EventEnvelope[];
}

/**
 * Load, decide, append, project: one database transaction per command. A concurrent writer makes
 * the append fail with ConcurrencyError; the command is then decided again on fresh state.
 */
export class CommandRunner {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly projections: readonly Projection[],
    private readonly maxAttempts = 3,
  ) {}

  async run<State, Command>(decider: Decider<State, Command>, request: RunRequest<Command>): Promise<RunResult<State>> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (request.em) return await this.runIn(request.em, decider, request);
        return await this.dataSource.transaction((em) => this.runIn(em, decider, request));
      } catch (error) {
        // Inside a caller's transaction a failed statement has aborted it: only the caller can retry.
        if (!(error instanceof ConcurrencyError) || request.em || attempt >= this.maxAttempts) throw error;
      }
    }
  }

  private async runIn<State, Command>(
    em: EntityManager,
    decider: Decider<State, Command>,
    request: RunRequest<Command>,
  ): Promise<RunResult<State>> {
    const past = await this.store.readStream(em, request.streamId);
    let state = past.reduce((s, e) => decider.evolve(s, e), decider.initialState());
    const now = request.now ?? new Date();
    const decided = decider.decide(request.command, state, now);
    const events = await this.store.append(em, {
      streamId: request.streamId,
      instanceId: request.instanceId,
      expectedVersion: past.length,
      events: decided,
      correlationId: request.correlationId ?? (request.inheritCorrelation ? past[0]?.correlationId : undefined),
      causationId: request.causationId ?? (request.inheritCorrelation ? past[0]?.id : undefined),
      now,
    });
    await applyProjections(em, this.projections, events);
    state = events.reduce((s, e) => decider.evolve(s, e), state);
    return { state, events };
  }
}
