import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@tollgate/contracts';
import type { PendingEvent } from '@tollgate/event-sourcing';
import { flowRunDecider, type RunCommand, type RunState } from './flow-run.decider';

/** Decides each command on the state the earlier ones left, as the event store would; answers what each published. */
function play(commands: RunCommand[], past: EventEnvelope[] = []): { published: PendingEvent[][]; history: EventEnvelope[] } {
  const history = [...past];
  const published: PendingEvent[][] = [];
  for (const command of commands) {
    const state = history.reduce<RunState>((s, e) => flowRunDecider.evolve(s, e), flowRunDecider.initialState());
    const events = flowRunDecider.decide(command, state, new Date());
    published.push(events);
    for (const e of events) {
      history.push({ id: randomUUID(), type: e.contract.type, version: 1, instanceId: 'i1', aggregateId: 'run_1', sequence: history.length + 1, occurredAt: '', data: e.data as Record<string, unknown> });
    }
  }
  return { published, history };
}

const start: RunCommand = { kind: 'start', processId: 'run_1', flowId: 'f1', startedBy: 'key_1' };
const emit = (event: string, step: number, ordinal: number): RunCommand => ({ kind: 'emit', event, payload: {}, step, ordinal });

describe('a run publishes each emit step once, over all its attempts', () => {
  it('publishes, when resumed, an emit step the first attempt skipped, and not the one it published', () => {
    // Steps: 0 http, 1 emit A (when the call answered 200), 2 emit B (when it did not).
    const first = play([start, emit('A', 1, 1)]);
    const resumed = play([emit('B', 2, 1), emit('B', 2, 1)], first.history);
    expect(resumed.published.map((events) => events.map((e) => (e.data as { event: string; step: number }).event))).toEqual([['B'], []]);
    expect(resumed.history.filter((e) => e.type === 'FlowEmitted').map((e) => [e.data.event, e.data.step])).toEqual([
      ['A', 1],
      ['B', 2],
    ]);
    // Resumed again, now reaching both: neither is published a second time.
    expect(play([emit('A', 1, 1), emit('B', 2, 2)], resumed.history).published).toEqual([[], []]);
  });

  it('places the emits of events that name no step by how many came before, as they were published', () => {
    const { history } = play([start]);
    history.push({ id: randomUUID(), type: 'FlowEmitted', version: 1, instanceId: 'i1', aggregateId: 'run_1', sequence: 2, occurredAt: '', data: { processId: 'run_1', flowId: 'f1', event: 'A', payload: {} } });
    const resumed = play([emit('A', 0, 1), emit('B', 3, 2)], history);
    expect(resumed.published.map((events) => events.length)).toEqual([0, 1]);
  });
});
