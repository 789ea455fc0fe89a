import type { FlowDefinition, Step } from '../flows/flow-definition';
import type { RunMessage } from '../flow-runs/run-message';
import { namedValues, type RunContext } from './run-context';
import { InProcessEvaluator } from './sandbox/evaluation';

/** A run of `steps` for engine and step tests: nothing charged or stored, its console kept in `messages`. */
export function testRun(steps: Step[], options: { processId?: string; flowId?: string; body?: unknown; signal?: AbortSignal } = {}): RunContext {
  const messages: RunMessage[] = [];
  const signal = options.signal ?? new AbortController().signal;
  return {
    processId: options.processId ?? 'run_test',
    instanceId: 'i1',
    flow: { flowId: options.flowId ?? 'flow_test', steps } as FlowDefinition,
    input: { body: options.body ?? null, headers: {}, contentType: '', url: '' },
    signal,
    evaluator: new InProcessEvaluator(),
    steps: namedValues(),
    last: undefined,
    outputs: namedValues(),
    charges: [],
    unconfirmed: new Set(),
    messages,
    log: (level, text, step) => messages.push({ at: '', level, text, ...(step ? { step } : {}) }),
  };
}
