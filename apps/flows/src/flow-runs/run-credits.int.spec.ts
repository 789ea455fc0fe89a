import { setTimeout as sleep } from 'node:timers/promises';
import { EventStore } from '@tollgate/event-sourcing';
import { eventually } from '@tollgate/testing';
import { FlowRepository } from '../flows/flow-repository';
import { RunRecovery } from './run-recovery';
import { RunStore } from './run-store';
import { EMPTY_INPUT, useFlowsProcesses } from './testing/flows-processes.fixture';

jest.setTimeout(60_000);

describe('what a run is charged, when it does not succeed (real PostgreSQL)', () => {
  const flows = useFlowsProcesses('flows_credits');
  const { credits } = flows;

  it('gives back a debit whose answer was lost though credits charged it', async () => {
    const coordinator = await flows.start();
    const flow = await flows.define('lost', 'sync', [{ type: 'query', id: 'tasks', entity: 'tasks' }, { type: 'output', name: 'n', from: '[1]' }]);
    credits.loseAnswer = (requestId) => requestId.includes(':q0:');
    try {
      const { processId, run } = await coordinator.start({ flow, input: EMPTY_INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 10_000 });
      expect(await run!.done).toMatchObject({ status: 'failed', failure: { code: 'flow_failed' } });
      expect(credits.refunds).toContain(`${processId}:q0:tasks`);
      expect(credits.consumed(processId)).toBe(0);
    } finally {
      credits.loseAnswer = () => false;
    }
  });

  it('gives back what an earlier attempt of a resumed run was charged, though the run fails before debiting again', async () => {
    const first = await flows.start();
    const flow = await flows.define('resumed', 'async', [{ type: 'delay', ms: 100 }, { type: 'query', id: 'tasks', entity: 'tasks' }, { type: 'delay', ms: 10_000 }]);
    const { processId, run } = await first.start({ flow, input: EMPTY_INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 1500 });
    await eventually(() => expect(credits.consumed(processId)).toBe(1), { intervalMs: 20 });
    // A graceful stop leaves an async run to the next process, unsettled: it resumes it.
    await first.beforeApplicationShutdown();
    expect((await run!.done).status).toBe('aborted');
    expect(credits.consumed(processId)).toBe(1);
    // The restart took longer than the run had left: the resumed attempt times out in its first step, before its debit.
    await sleep(1600);
    const runs = new RunStore(flows.db.dataSource);
    const recovery = new RunRecovery(await flows.start(), runs, new FlowRepository(flows.db.dataSource), new EventStore(), flows.db.dataSource, flows.config);
    expect(await recovery.sweep()).toBe(1);
    const ended = await eventually(async () => {
      const record = await runs.get(flow.instanceId, processId);
      expect(record?.status).toBe('aborted');
      return record!;
    });
    expect(ended.failure?.code).toBe('timeout');
    expect(credits.consumed(processId)).toBe(0);
  });
});
