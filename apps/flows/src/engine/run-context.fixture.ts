import type { FlowDefinition, Step } from '../flows/flow-definition';
import type { RunMessage } from '../flow-runs/run-message';
import { namedValues, type RunContext } from './run-context';
import { RunMemory } from './run-memory';
import { InProcessEvaluator } from './sandbox/evaluation';

/** A run of `steps` for engine and step tests: nothing charged or stored, its console kept in `messages`. */
export function testRun(
  steps: Step[],
  options: { processId?: string; flowId?: string; body?: unknown; signal?: AbortSignal; maxKeptChars?: number } = {},
): RunContext {
  const messages: RunMessage[] = [];
  const memory = new RunMemory(options.maxKeptChars);
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
    memory,
    log: (level, text, step, detail) => {
      const message: RunMessage = { at: '', level, text, ...(step ? { step } : {}), ...(detail !== undefined && typeof detail === 'object' ? { detail } : {}) };
      memory.keep(message);
      messages.push(message);
    },
  };
}
