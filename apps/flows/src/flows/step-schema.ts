import type { StepType } from './flow-definition';

type FieldKind =
  | 'expression'
  | 'url'
  | 'entity'
  | 'sort'
  | 'order'
  | 'durationMinutes'
  | 'queryLimit'
  | 'nonNegativeInt'
  | 'timeoutMs'
  | 'method'
  | 'eventName'
  | 'text'
  | 'statusCode'
  | 'contentType';

interface StepSchema {
  required: Record<string, FieldKind>;
  optional: Record<string, FieldKind>;
}

/** The fields each step type takes (API.md, Flow steps). `expression` fields are JSONata. */
export const STEP_SCHEMAS: Record<StepType, StepSchema> = {
  query: { required: { entity: 'entity' }, optional: { where: 'expression', sort: 'sort', order: 'order', limit: 'queryLimit' } },
  map: { required: { from: 'expression', expr: 'expression' }, optional: {} },
  filter: { required: { from: 'expression', expr: 'expression' }, optional: {} },
  http: {
    required: { method: 'method', url: 'url' },
    optional: { headers: 'expression', body: 'expression', timeoutMs: 'timeoutMs' },
  },
  emit: { required: { event: 'eventName', data: 'expression' }, optional: {} },
  ics: {
    required: { from: 'expression', title: 'expression', start: 'expression' },
    optional: { end: 'expression', attendees: 'expression', description: 'expression', durationMinutes: 'durationMinutes', uid: 'expression' },
  },
  debug: { required: { expr: 'expression' }, optional: {} },
  error: { required: { message: 'text' }, optional: {} },
  delay: { required: { ms: 'nonNegativeInt' }, optional: {} },
  output: { required: { name: 'text', from: 'expression' }, optional: {} },
  response: {
    required: {},
    optional: { statusCode: 'statusCode', headers: 'expression', contentType: 'contentType', body: 'expression' },
  },
};

/** An absolute URL is taken literally; anything else in an `url` field is a JSONata expression. */
export const isLiteralUrl = (value: string): boolean => /^https?:\/\//i.test(value);
