import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@tollgate/contracts';
import type { Step, StepType } from '../../flows/flow-definition';
import { asList, asText, evaluateEach, evaluateOver, recordsWhere, StepFailure } from '../run-context';
import type { StepExecutor } from '../step-executor';
import { responseStep } from './response-step';


export const basicSteps: Partial<Record<StepType, StepExecutor>> = {
  map: {
    async run(step, ctx) {
      const records = asList(await evaluateOver(ctx, step.from as string));
      // A record the expression gives nothing for is left out, as JSONata's own mapping does.
      return (await evaluateEach(ctx, step.expr as string, records)).filter((value) => value !== undefined);
    },
  },
  filter: {
    async run(step, ctx) {
      return recordsWhere(ctx, step.expr as string, asList(await evaluateOver(ctx, step.from as string)));
    },
  },
  output: {
    async run(step, ctx) {
      const records = asList(await evaluateOver(ctx, step.from as string));
      const name = step.name as string;
      // Added to the records it has, not copied with them: an output many steps add to would be copied once per step.
      const output = (ctx.outputs[name] ??= []);
      for (const record of records) output.push(record);
      return records;
    },
  },
  debug: {
    async run(step: Step, ctx) {
      const value = await evaluateOver(ctx, step.expr as string);
      ctx.log('debug', value === undefined ? '(nothing)' : asText(value), step.id, value);
      return value;
    },
  },
  error: {
    async run(step) {
      throw new StepFailure(500, ErrorCode.FlowFailed, step.message as string);
    },
  },
  delay: {
    async run(step, ctx) {
      await sleep(step.ms as number, undefined, { signal: ctx.signal });
      return step.ms;
    },
  },
  response: responseStep,
};
