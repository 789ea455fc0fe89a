import { EventStore } from '@tollgate/event-sourcing';
import { eventually } from '@tollgate/testing';
import type { Step } from '../flows/flow-definition';
import { FlowRepository } from '../flows/flow-repository';
import { AbortReason } from './run-outcome';
import { RunRecovery } from './run-recovery';
import { RunStore } from './run-store';
import { EMPTY_INPUT, useFlowsProcesses } from './testing/flows-processes.fixture';

jest.setTimeout(60_000);

const OVER = "the run's step results, outputs and messages come to more than 1 MB of JSON, the most one run may keep (FLOWS_RUN_MAX_MB)";

/** About 0.45 MB of JSON per step: under 1 MB in two steps, over it in three. */
const outputStep = (name: string): Step => ({ type: 'output', name, from: '[1..80000]' });

describe('what one run may keep: FLOWS_RUN_MAX_MB (real PostgreSQL)', () => {
  const flows = useFlowsProcesses('flows_memory', { FLOWS_RUN_MAX_MB: '1' });
  const { credits } = flows;

  it('runs a flow whose outputs stay under the budget', async () => {
    const coordinator = await flows.start();
    const flow = await flows.define('under', 'sync', [outputStep('a'), outputStep('a')]);
    const { run } = await coordinator.start({ flow, input: EMPTY_INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 20_000 });
    const outcome = await run!.done;
    expect(outcome.status).toBe('success');
    expect(outcome.status === 'success' && outcome.result.data.a).toHaveLength(160_000);
  });

  it('fails a flow whose outputs go beyond it, at the step that does, and gives back what the run was charged', async () => {
    const coordinator = await flows.start();
    const flow = await flows.define('over', 'sync', [{ type: 'query', id: 'tasks', entity: 'tasks' }, outputStep('a'), outputStep('b'), outputStep('a'), outputStep('c')]);
    const { processId, run } = await coordinator.start({ flow, input: EMPTY_INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 20_000 });
    expect(await run!.done).toMatchObject({ status: 'failed', failure: { status: 'failed', httpStatus: 500, code: 'flow_failed', message: `step 4 (output) failed: ${OVER}` } });
    expect(credits.refunds).toContain(`${processId}:q0:tasks`);
    expect(credits.consumed(processId)).toBe(0);
    const record = await new RunStore(flows.db.dataSource).get(flow.instanceId, processId);
    expect(record).toMatchObject({ status: 'failed', failure: { code: 'flow_failed', message: `step 4 (output) failed: ${OVER}` } });
  });

  it('counts debug messages too, and saves each once while the run goes on', async () => {
    const coordinator = await flows.start();
    const flow = await flows.define('debug', 'sync', [
      ...Array.from({ length: 5 }, (_, i): Step => ({ type: 'debug', expr: `{"step": ${i}, "values": [1..10000]}` })),
      { type: 'delay', ms: 300 },
      { type: 'debug', expr: '"last"' },
      { type: 'delay', ms: 10_000 },
    ]);
    const runs = new RunStore(flows.db.dataSource);
    const { processId, run } = await coordinator.start({ flow, input: EMPTY_INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 20_000 });
    // Saved while it runs: every debug message once, in order.
    await eventually(async () => {
      const saved = (await runs.get(flow.instanceId, processId))!.messages.filter((m) => m.level === 'debug');
      expect(saved.map((m) => (m.detail as { step?: number } | undefined)?.step ?? m.text)).toEqual([0, 1, 2, 3, 4, 'last']);
    });
    run!.controller.abort(new AbortReason('client-gone', 'Seen'));
    await run!.done;

    const larger = await flows.define('debug-over', 'sync', Array.from({ length: 20 }, (_, i): Step => ({ type: 'debug', expr: `{"step": ${i}, "values": [1..10000]}` })));
    const over = await coordinator.start({ flow: larger, input: EMPTY_INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 20_000 });
    expect(await over.run!.done).toMatchObject({ status: 'failed', failure: { code: 'flow_failed', message: expect.stringMatching(new RegExp(`^step \\d+ \\(debug\\) failed: ${OVER.replace(/[()]/g, '\\$&')}$`)) } });
  });

  it('holds a resumed run to the same budget: it fails instead of being resumed again and again', async () => {
    const first = await flows.start();
    const flow = await flows.define('resumed', 'async', [{ type: 'delay', ms: 500 }, ...Array.from({ length: 10 }, (_, i) => outputStep(`o${i}`))]);
    const { processId, run } = await first.start({ flow, input: EMPTY_INPUT, startedBy: 'anonymous', caller: 'anonymous', timeoutMs: 30_000 });
    // A graceful stop leaves an async run to the next process, which resumes it.
    await first.beforeApplicationShutdown();
    expect((await run!.done).status).toBe('aborted');
    const runs = new RunStore(flows.db.dataSource);
    const recovery = new RunRecovery(await flows.start(), runs, new FlowRepository(flows.db.dataSource), new EventStore(), flows.db.dataSource, flows.config);
    await eventually(async () => expect(await recovery.sweep()).toBe(1));
    const ended = await eventually(
      async () => {
        const record = await runs.get(flow.instanceId, processId);
        expect(record?.status).toBe('failed');
        return record!;
      },
      { timeoutMs: 30_000 },
    );
    expect(ended.failure).toMatchObject({ code: 'flow_failed', message: `step 4 (output) failed: ${OVER}` });
  });
});
