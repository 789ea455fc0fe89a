import type { FieldError } from '@tollgate/contracts';
import { validateHeaderValue } from 'node:http';
import { expressionError } from '../engine/expressions';
import { isResponseStatus } from '../engine/steps/response-step';
import { STEP_TYPES, type FlowSpec, type StepType } from './flow-definition';
import { isLiteralUrl, STEP_SCHEMAS } from './step-schema';

/** The longest event an `ics` step makes, in minutes: a year. */
const MAX_EVENT_MINUTES = 525_600;

const STEP_ID = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ENTITY = /^[a-z][a-z0-9_]*$/;
const EVENT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];
const COMMON_FIELDS = ['type', 'id', 'when'];
const QUERY_LIMIT_MAX = 999_999_999;

const isHeaderValue = (value: string) => {
  try {
    validateHeaderValue('content-type', value);
    return true;
  } catch {
    return false;
  }
};

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

function checkField(kind: string, value: unknown): string | undefined {
  switch (kind) {
    case 'expression':
      if (typeof value !== 'string' || !value.trim()) return 'must be a JSONata expression (a non-empty string)';
      return ((e) => (e ? `bad JSONata expression: ${e}` : undefined))(expressionError(value));
    case 'url':
      if (typeof value !== 'string' || !value.trim()) return 'must be an absolute http(s) URL or a JSONata expression';
      return isLiteralUrl(value) ? undefined : checkField('expression', value);
    case 'entity':
      return typeof value === 'string' && ENTITY.test(value) ? undefined : 'must be an entity name';
    case 'sort':
      return ['created', 'updated', 'alpha'].includes(value as string) ? undefined : 'must be created, updated or alpha';
    case 'order':
      return ['asc', 'desc'].includes(value as string) ? undefined : 'must be asc or desc';
    // An event of at most a year: a longer one no calendar shows, and its end would be past what a date can hold.
    case 'durationMinutes':
      return isInt(value, 1, MAX_EVENT_MINUTES) ? undefined : `must be an integer between 1 and ${MAX_EVENT_MINUTES} (a year)`;
    // What the query service takes as a `limit` (nine digits): a larger one would fail every run.
    case 'queryLimit':
      return isInt(value, 1, QUERY_LIMIT_MAX) ? undefined : `must be an integer between 1 and ${QUERY_LIMIT_MAX}`;
    case 'nonNegativeInt':
      return isInt(value, 0, 3_600_000) ? undefined : 'must be an integer between 0 and 3600000';
    // Timers take at most 2^31-1 ms: a larger timeout fires at once, and no run lasts over an hour.
    case 'timeoutMs':
      return isInt(value, 1, 3_600_000) ? undefined : 'must be an integer between 1 and 3600000';
    case 'method':
      return METHODS.includes(value as string) ? undefined : `must be one of ${METHODS.join(', ')}`;
    case 'eventName':
      return typeof value === 'string' && EVENT_NAME.test(value) ? undefined : 'must match [A-Za-z0-9_.-]{1,100}';
    case 'statusCode':
      if (typeof value === 'string') return checkField('expression', value);
      return isResponseStatus(value) ? undefined : 'must be an HTTP status from 200 to 599 or a JSONata expression';
    case 'contentType':
      if (typeof value !== 'string' || !value) return 'must be a media type';
      return isHeaderValue(value) ? undefined : 'must be a media type without control characters';
    default:
      return typeof value === 'string' && value.length > 0 ? undefined : 'must be a non-empty string';
  }
}

/**
 * Checks a flow's steps before it is saved: every step must have a known type, its required
 * fields, no unknown fields, and expressions that compile. Each error names the step.
 */
export function validateSteps(steps: FlowSpec['steps']): FieldError[] {
  const errors: FieldError[] = [];
  const ids = new Set<string>();
  steps.forEach((raw, index) => {
    const at = `steps.${index}`; // the path style of every other field error: `operations.0.rows.1.status`
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      errors.push({ field: at, message: `step ${index + 1} must be an object` });
      return;
    }
    const step = raw as Record<string, unknown>;
    const label = `step ${index + 1}${typeof step.id === 'string' ? ` "${step.id}"` : ''}`;
    if (!STEP_TYPES.includes(step.type as StepType)) {
      errors.push({ field: `${at}.type`, message: `${label}: unknown step type ${JSON.stringify(step.type)} (one of ${STEP_TYPES.join(', ')})` });
      return;
    }
    const type = step.type as StepType;
    const schema = STEP_SCHEMAS[type];
    if (step.id !== undefined) {
      if (typeof step.id !== 'string' || !STEP_ID.test(step.id)) errors.push({ field: `${at}.id`, message: `${label} (${type}): id must be an identifier` });
      else if (ids.has(step.id)) errors.push({ field: `${at}.id`, message: `${label} (${type}): id is used by an earlier step` });
      else ids.add(step.id);
    }
    if (step.when !== undefined) {
      const problem = checkField('expression', step.when);
      if (problem) errors.push({ field: `${at}.when`, message: `${label} (${type}): when ${problem}` });
    }
    for (const name of Object.keys(schema.required)) {
      if (step[name] === undefined) errors.push({ field: `${at}.${name}`, message: `${label} (${type}): ${name} is required` });
    }
    for (const [name, value] of Object.entries(step)) {
      if (COMMON_FIELDS.includes(name)) continue;
      const kind = schema.required[name] ?? schema.optional[name];
      if (!kind) {
        errors.push({ field: `${at}.${name}`, message: `${label} (${type}): unknown field ${name}` });
        continue;
      }
      const problem = checkField(kind, value);
      if (problem) errors.push({ field: `${at}.${name}`, message: `${label} (${type}): ${name} ${problem}` });
    }
  });
  return errors;
}
