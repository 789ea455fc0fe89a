import { validateSteps } from './validate-flow';

describe('validating flow steps when a flow is saved', () => {
  it('accepts every documented step type with its fields', () => {
    expect(
      validateSteps([
        { type: 'query', id: 'a', entity: 'actions', where: "status != 'done'", sort: 'created', order: 'asc', limit: 10 },
        { type: 'map', from: '$steps.a', expr: 'title' },
        { type: 'filter', from: '$steps.a', expr: 'due_date < "2026"' },
        { type: 'http', method: 'POST', url: 'https://example.com/hook', headers: '{"a": "b"}', body: '$input.body' },
        { type: 'http', method: 'GET', url: '"https://example.com/" & $input.body.id' },
        { type: 'emit', event: 'overdue.found', data: '{"n": 1}' },
        { type: 'ics', from: '$steps.a', title: 'title', start: 'due_date', attendees: '[owner]' },
        { type: 'debug', expr: '$count($steps.a)' },
        { type: 'error', message: 'nope', when: '$input.body.bad' },
        { type: 'delay', ms: 100 },
        { type: 'output', name: 'rows', from: '$steps.a' },
        { type: 'response', statusCode: 201, contentType: 'text/plain', body: '"ok"' },
      ]),
    ).toEqual([]);
  });

  it('names the step and the field of each problem', () => {
    const errors = validateSteps([
      { type: 'map', id: 'shape', from: '$input', expr: '{"a": ' },
      { type: 'warp' } as never,
      { type: 'output', from: '[1]' },
      { type: 'delay', ms: -1 },
      { type: 'http', method: 'GET', url: 'ftp://x' },
      { type: 'debug', id: 'shape', expr: '1' },
    ]);
    expect(errors.map((e) => e.field)).toEqual(['steps.0.expr', 'steps.1.type', 'steps.2.name', 'steps.3.ms', 'steps.4.url', 'steps.5.id']);
    expect(errors[0].message).toMatch(/^step 1 "shape" \(map\): expr bad JSONata expression/);
    expect(errors[1].message).toContain('unknown step type "warp"');
  });

  it("bounds an http step's timeoutMs as a run is bounded: larger ones would end the call at once", () => {
    expect(validateSteps([{ type: 'http', method: 'GET', url: 'https://example.com', timeoutMs: 3_600_000 }])).toEqual([]);
    const errors = validateSteps([
      { type: 'http', method: 'GET', url: 'https://example.com', timeoutMs: 3_000_000_000 },
      { type: 'http', method: 'GET', url: 'https://example.com', timeoutMs: 1e12 },
      { type: 'http', method: 'GET', url: 'https://example.com', timeoutMs: 0 },
    ]);
    expect(errors.map((e) => [e.field, e.message])).toEqual([
      ['steps.0.timeoutMs', 'step 1 (http): timeoutMs must be an integer between 1 and 3600000'],
      ['steps.1.timeoutMs', 'step 2 (http): timeoutMs must be an integer between 1 and 3600000'],
      ['steps.2.timeoutMs', 'step 3 (http): timeoutMs must be an integer between 1 and 3600000'],
    ]);
  });

  it("bounds a query step's limit as the query service does, so that a flow saved is a flow that can run", () => {
    expect(validateSteps([{ type: 'query', entity: 'tasks', limit: 999_999_999 }])).toEqual([]);
    const errors = validateSteps([
      { type: 'query', entity: 'tasks', limit: Number.MAX_SAFE_INTEGER },
      { type: 'query', id: 'big', entity: 'tasks', limit: 1_000_000_000 },
      { type: 'query', entity: 'tasks', limit: 0 },
    ]);
    expect(errors.map((e) => [e.field, e.message])).toEqual([
      ['steps.0.limit', 'step 1 (query): limit must be an integer between 1 and 999999999'],
      ['steps.1.limit', 'step 2 "big" (query): limit must be an integer between 1 and 999999999'],
      ['steps.2.limit', 'step 3 (query): limit must be an integer between 1 and 999999999'],
    ]);
  });

  it('takes a response status from 200 to 599 or an expression, and a content type fit for a header', () => {
    expect(validateSteps([{ type: 'response', statusCode: 304 }, { type: 'response', statusCode: '$input.body.status' }])).toEqual([]);
    const errors = validateSteps([
      { type: 'response', statusCode: 101 },
      { type: 'response', id: 'raw', statusCode: 199 },
      { type: 'response', statusCode: 600 },
      { type: 'response', contentType: 'text/plain\r\nx-injected: 1' },
    ]);
    expect(errors.map((e) => e.field)).toEqual(['steps.0.statusCode', 'steps.1.statusCode', 'steps.2.statusCode', 'steps.3.contentType']);
    expect(errors[1].message).toBe('step 2 "raw" (response): statusCode must be an HTTP status from 200 to 599 or a JSONata expression');
  });
});
