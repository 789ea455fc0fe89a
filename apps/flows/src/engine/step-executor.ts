import type { Step } from '../flows/flow-definition';
import type { RunContext } from './run-context';

/** Runs one step of a type and returns its result (what `$steps.<id>` holds afterwards). */
export interface StepExecutor {
  run(step: Step, ctx: RunContext, index: number): Promise<unknown>;
}
