import { jsonChars } from './expressions';

/**
 * What one run keeps while it runs, counted as it is added: the results of its steps that have an
 * id, its outputs' records and its console messages, in characters of JSON (as an expression's
 * values are counted against FLOWS_EXPRESSION_MAX_VALUE_MB). Each expression is bounded by
 * itself; without this, a run's up to 200 steps would add theirs up to gigabytes of the heap every
 * instance's runs share. A value kept in two places (a debug step's value under its id and in its
 * message) counts twice.
 */
export class RunMemory {
  private chars = 0;

  /** `maxChars`: the most the run may keep (FLOWS_RUN_MAX_MB). */
  constructor(private readonly maxChars = Infinity) {}

  get used(): number {
    return this.chars;
  }

  /** Counts a value the run keeps. */
  keep(value: unknown): void {
    this.chars += jsonChars(value);
  }

  /** Throws once the run keeps more than it may: the step that went beyond fails the run. */
  check(): void {
    if (this.chars > this.maxChars) {
      throw new Error(`the run's step results, outputs and messages come to more than ${Math.round(this.maxChars / (1024 * 1024))} MB of JSON, the most one run may keep (FLOWS_RUN_MAX_MB)`);
    }
  }
}
