import type { FlowDefinition, Step, StepType } from '../flows/flow-definition';
import type { RunMessage } from '../flow-runs/run-message';
import { EvaluationBudget } from './expressions';
import { FlowEngine } from './flow-engine';
import type { RunContext } from './run-context';
import type { StepExecutor } from './step-executor';
import { basicSteps } from './steps/basic-steps';

const engine = new FlowEngine(basicSteps as Record<StepType, StepExecutor>);

function runOf(steps: Step[], signal = new AbortController().signal): RunContext {
  const messages: RunMessage[] = [];
  return {
    processId: 'run_test',
    instanceId: 'i1',
    flow: { steps } as FlowDefinition,
    input: { body: null, headers: {}, contentType: '', url: '' },
    signal,
    budget: new EvaluationBudget(signal),
    steps: {},
    last: undefined,
    outputs: {},
    messages,
    log: (level, text, step) => messages.push({ at: '', level, text, ...(step ? { step } : {}) }),
  };
}

const BUSY = '$count($map([1..10000000], function($v){$v*2}))';

describe('running a flow: expressions are bounded by the run', () => {
  it('stops a CPU-bound expression when the run is aborted by its timer, and lets other timers run meanwhile', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('timed out')), 300);
    let otherFiredAfter = 0;
    setTimeout(() => (otherFiredAfter = Date.now() - started), 100);

    await expect(engine.run(runOf([{ type: 'debug', expr: BUSY }], controller.signal))).rejects.toThrow('timed out');

    expect(Date.now() - started).toBeLessThan(1000);
    expect(otherFiredAfter).toBeGreaterThanOrEqual(100);
    expect(otherFiredAfter).toBeLessThan(250);
  });

  it('fails a runaway recursion with a message instead of running out of memory or stack', async () => {
    const ctx = runOf([{ type: 'debug', id: 'deep', expr: '($f := function($n){ 1 + $f($n + 1) }; $f(0))' }]);
    await expect(engine.run(ctx)).rejects.toMatchObject({ code: 'flow_failed', message: expect.stringContaining('step 1 "deep" (debug) failed: the expression nests deeper than') });
  });

  it('still evaluates ordinary expressions to their values', async () => {
    const ctx = runOf([{ type: 'output', name: 'n', from: '[$sum([1..1000])]' }]);
    expect(await engine.run(ctx)).toEqual({ data: { n: [500500] } });
  });

  it("fails a step whose `when` expression throws as flow_failed naming the step", async () => {
    const ctx = runOf([{ type: 'output', id: 'guarded', name: 'n', from: '[1]', when: '$number("not a number")' }]);
    await expect(engine.run(ctx)).rejects.toMatchObject({ httpStatus: 500, code: 'flow_failed', message: expect.stringMatching(/^step 1 "guarded" \(output\) failed: /) });
  });
});
