import type { Step, StepType } from '../flows/flow-definition';
import { FlowEngine } from './flow-engine';
import { testRun } from './run-context.fixture';
import type { StepExecutor } from './step-executor';
import { basicSteps } from './steps/basic-steps';

const engine = new FlowEngine(basicSteps as Record<StepType, StepExecutor>);

// Ten billion small steps (hours of CPU) and no single long one: it ends when it is stopped.
const ENDLESS = '$sum($map([1..100000], function($v){ $sum($map([1..1000], function($u){ $sum($map([1..100], function($w){ $w * $u * $v })) })) }))';

describe('running a flow: expressions are bounded by the run', () => {
  it('stops a CPU-bound expression when the run is aborted by its timer, and lets other timers run meanwhile', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    setTimeout(() => (seen.push('aborted'), controller.abort(new Error('timed out'))), 300);
    setTimeout(() => seen.push('other timer'), 100);
    const started = Date.now();

    const run = engine.run(testRun([{ type: 'debug', expr: ENDLESS }], { signal: controller.signal })).finally(() => seen.push('run ended'));
    await expect(run).rejects.toThrow('timed out');

    // The other timer fired while the expression ran, and the abort ended it.
    expect(seen).toEqual(['other timer', 'aborted', 'run ended']);
    expect(Date.now() - started).toBeLessThan(10_000); // not the hours the expression would take
  });

  it('fails a runaway recursion with a message instead of running out of memory or stack', async () => {
    const ctx = testRun([{ type: 'debug', id: 'deep', expr: '($f := function($n){ 1 + $f($n + 1) }; $f(0))' }]);
    await expect(engine.run(ctx)).rejects.toMatchObject({ code: 'flow_failed', message: 'step 1 "deep" (debug) failed: the expression nests too deeply (a recursion that does not end?)' });
  });

  it('takes a wide expression for no deep one: groupings and arrays of thousands, a recursion 1,000 calls deep', async () => {
    // JSONata evaluates an array's items and a grouping's values side by side: thousands under way at once, none nested.
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: `a${i}`, status: ['open', 'done'][i % 2], amount: i }));
    const ctx = testRun(
      [
        { type: 'debug', id: 'byId', expr: '$input.body.rows{ id: status }' },
      { type: 'output', name: 'n', from: '[$count($keys($input.body.rows{ id: $sum(amount) })), $input.body.rows{ status: $count(id) }]' },
      { type: 'output', name: 'literal', from: `[$count([${Array.from({ length: 3000 }, (_, i) => i).join(',')}])]` },
      { type: 'output', name: 'deep', from: '[($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000))]' },
      ],
      { body: { rows } },
    );
    expect(await engine.run(ctx)).toEqual({ data: { n: [5000, { open: 2500, done: 2500 }], literal: [3000], deep: [1000] } });
  });

  it('still evaluates ordinary expressions to their values', async () => {
    const ctx = testRun([{ type: 'output', name: 'n', from: '[$sum([1..1000])]' }]);
    expect(await engine.run(ctx)).toEqual({ data: { n: [500500] } });
  });

  it('takes a function as a value for nothing', async () => {
    const ctx = testRun(
      [
        { type: 'debug', id: 'f', expr: 'function($x){ $x }' },
        { type: 'output', name: 'n', from: '[{"f": $exists($steps.f), "in": { "g": $string, "v": 1 }, "list": [$uppercase, 2]}]' },
      ],
      { body: { secret: 'kept in the run, not in its values' } },
    );
    expect(await engine.run(ctx)).toEqual({ data: { n: [{ f: false, in: { v: 1 }, list: [null, 2] }] } });
    expect(ctx.messages[0].text).toBe('(nothing)');
  });

  it("fails a step whose `when` expression throws as flow_failed naming the step", async () => {
    const ctx = testRun([{ type: 'output', id: 'guarded', name: 'n', from: '[1]', when: '$number("not a number")' }]);
    await expect(engine.run(ctx)).rejects.toMatchObject({ httpStatus: 500, code: 'flow_failed', message: expect.stringMatching(/^step 1 "guarded" \(output\) failed: /) });
  });
});

describe("running a flow: per-record expressions and the run's values", () => {
  it('reach earlier steps, the input and the run by name, and through $eval', async () => {
    const ctx = testRun(
      [
        { type: 'map', id: 'nums', from: '[1, 2]', expr: '$ * 10' },
        { type: 'map', id: 'named', from: '[1, 2]', expr: '$ + $sum($steps.nums) + $index + $input.body.k' },
        { type: 'map', id: 'evaluated', from: '[1, 2]', expr: '$eval("$steps.nums[" & $index & "]") + $' },
        { type: 'map', id: 'last', from: '["a"]', expr: '$ & $count($last) & $processId' },
        { type: 'output', name: 'all', from: '[$steps.named, $steps.evaluated, $steps.last]' },
      ],
      { body: { k: 100 }, processId: 'run_x' },
    );
    expect(await engine.run(ctx)).toEqual({ data: { all: [131, 133, 11, 22, 'a2run_x'] } });
  });
});

describe('running a flow: an expression that fails says where', () => {
  it('names the field, the record and the position in the expression', async () => {
    const ctx = testRun([{ type: 'map', id: 'shape', from: '[1, 2, "three"]', expr: '$ * 2' }]);
    await expect(engine.run(ctx)).rejects.toMatchObject({
      code: 'flow_failed',
      message: 'step 1 "shape" (map) failed: expr, record 3: The left side of the "*" operator must evaluate to a number (at position 3)',
    });
  });

  it('names the field of an expression evaluated once', async () => {
    const ctx = testRun([{ type: 'debug', expr: '1' }, { type: 'output', name: 'n', from: '[1] ~> $missing()' }]);
    await expect(engine.run(ctx)).rejects.toMatchObject({ message: expect.stringMatching(/^step 2 \(output\) failed: from: Attempted to invoke a non-function \(at position \d+\)$/) });
    expect(ctx.messages.at(-1)?.text).toMatch(/^step 2 \(output\) failed: from: /);
  });
});

describe("running a flow: a failed expression never quotes the run's data", () => {
  const secret = 'SECRET-7b1d';
  it.each([
    ['[$number($input.body.v)]', 'Unable to cast value to a number: a string'],
    ['[$input.body.v > 2]', 'The values a string and a number either side of operator ">" must be of the same data type'],
    ['[$sqrt(0 - $input.body.n)]', 'The sqrt function cannot be applied to a negative number: a number'],
    ['[$formatBase(10, $input.body.n)]', 'The radix of the formatBase function must be between 2 and 36.  It was given a number'],
    ['[$eval($input.body.v & "(")]', 'Syntax error in expression passed to function eval: a string'],
    ['[$eval("$number(v)", $input.body)]', 'Dynamic error evaluating the expression passed to function eval: a string'],
  ])('%s says what the value is, not what it holds', async (from, said) => {
    const ctx = testRun([{ type: 'output', name: 'n', from }], { body: { v: secret, n: 37 } });
    const failure = await engine.run(ctx).then(() => undefined, (error: Error) => error);
    expect(failure?.message).toMatch(new RegExp(`^step 1 \\(output\\) failed: from: ${said.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(at position \\d+\\)$`));
    expect(JSON.stringify(ctx.messages)).not.toContain(secret);
    expect(JSON.stringify(ctx.messages)).not.toContain('37');
  });
});

describe('running a flow: the raw answer of a response step', () => {
  const answer = (step: Step, body: unknown = null) => engine.run(testRun([step], { body }));

  it('fails the run for a status from an expression outside 200-599, naming the step', async () => {
    await expect(answer({ type: 'response', id: 'raw', statusCode: '$input.body.status' }, { status: 103 })).rejects.toMatchObject({
      code: 'flow_failed',
      message: 'step 1 "raw" (response) failed: statusCode must be an HTTP status from 200 to 599 (got a number)',
    });
    expect(await answer({ type: 'response', statusCode: '$input.body.status' }, { status: 202 })).toMatchObject({ response: { statusCode: 202 } });
  });

  it('fails the run for a header an HTTP answer cannot carry', async () => {
    // A flow's body is text or JSON: labelled gzip or br, no client could read it.
    for (const headers of ['{"x-a": "one\\r\\nx-b: two"}', '{"bad name": "v"}', '{"content-length": "5"}', '{"Content-Encoding": "gzip"}']) {
      await expect(answer({ type: 'response', headers, body: '"hello"' })).rejects.toMatchObject({ code: 'flow_failed', message: expect.stringContaining('header "') });
    }
  });

  it('sends no headers for a headers expression that gives null, as an http step does', async () => {
    const result = await answer({ type: 'response', statusCode: 200, headers: '$input.body.extra', body: '"ok"' }, { extra: null });
    expect(result.response).toMatchObject({ statusCode: 200, headers: {} });
  });

  it('leaves out cookies and the headers the platform sets, and the body of a 204 or 304', async () => {
    const result = await answer({ type: 'response', statusCode: 304, headers: '{"Set-Cookie": "a=1", "X-Credits-Cost": "0", "ETag": "\\"v1\\"", "Link": "<https://x.test>; rel=next"}', body: '"ignored"' });
    expect(result.response).toEqual({ statusCode: 304, headers: { etag: '"v1"', link: '<https://x.test>; rel=next' } });
  });
});

describe("running a flow: conditions and mappings follow JSONata's rules", () => {
  const rows = [
    { id: 'a', tags: ['x'], email: 'a@example.com' },
    { id: 'b', tags: [] },
    { id: 'c', tags: [false] },
    { id: 'd', tags: {} },
    { id: 'e', tags: { k: 1 } },
  ];

  it('skips a step whose `when` is an empty list, an empty object or a list of false values, as $boolean would', async () => {
    for (const [when, runs] of [
      ['$input.body.rows[tags = "none"]', false],
      ['$input.body.rows[id = "d"].tags', false],
      ['[false, 0, ""]', false],
      ['$input.body.rows[id = "a"]', true],
      ['[0, "x"]', true],
    ] as const) {
      const ctx = testRun([{ type: 'output', name: 'n', from: '[1]', when }], { body: { rows } });
      expect([when, await engine.run(ctx)]).toEqual([when, { data: runs ? { n: [1] } : {} }]);
    }
  });

  it('keeps the records whose filter expression is true by $boolean, and leaves out what a mapping gives nothing for', async () => {
    const ctx = testRun(
      [
        { type: 'filter', id: 'tagged', from: '$input.body.rows', expr: 'tags' },
        { type: 'map', id: 'emails', from: '$input.body.rows', expr: 'email' },
        { type: 'output', name: 'tagged', from: '$steps.tagged.id' },
        { type: 'output', name: 'emails', from: '$steps.emails' },
      ],
      { body: { rows } },
    );
    expect(await engine.run(ctx)).toEqual({ data: { tagged: ['a', 'e'], emails: ['a@example.com'] } });
  });

  it('answers 400 for an output fed by a mapping that gave nothing for every record', async () => {
    const ctx = testRun(
      [
        { type: 'map', id: 'phones', from: '$input.body.rows', expr: 'phone' },
        { type: 'output', name: 'phones', from: '$steps.phones' },
      ],
      { body: { rows } },
    );
    await expect(engine.run(ctx)).rejects.toMatchObject({ httpStatus: 400, message: 'Output "phones" produced no record' });
  });
});

describe('running a flow: the names a flow gives', () => {
  it('takes constructor, toString and __proto__ as output names and step ids like any other', async () => {
    const ctx = testRun([
      { type: 'debug', id: 'toString', expr: '[7]' },
      { type: 'output', name: 'constructor', from: '[1]' },
      { type: 'output', name: '__proto__', from: '$steps.toString' },
      { type: 'output', name: 'constructor', from: '[2]' },
    ]);
    const result = await engine.run(ctx);
    expect(JSON.parse(JSON.stringify(result))).toEqual(JSON.parse('{"data": {"constructor": [1, 2], "__proto__": [7]}}'));
  });
});

describe('running a flow: what a run keeps is bounded as a whole', () => {
  const MB = 1024 * 1024;
  const over = "the run's step results, outputs and messages come to more than 1 MB of JSON, the most one run may keep (FLOWS_RUN_MAX_MB)";

  it('fails the step after which its outputs, results and messages come to more than the budget, though each is under it', async () => {
    // [1..80000] is 468,894 characters of JSON: two are under 1 MB, three are not.
    const outputs = testRun(Array.from({ length: 100 }, () => ({ type: 'output', name: 'o', from: '[1..80000]' })), { maxKeptChars: MB });
    await expect(engine.run(outputs)).rejects.toMatchObject({ code: 'flow_failed', message: `step 3 (output) failed: ${over}` });
    expect(outputs.outputs.o).toHaveLength(3 * 80_000);

    const results = testRun([{ type: 'map', id: 'a', from: '[1..80000]', expr: '$' }, { type: 'map', id: 'b', from: '[1..80000]', expr: '$' }, { type: 'map', from: '[1..80000]', expr: '$' }, { type: 'map', id: 'c', from: '[1..80000]', expr: '$' }], { maxKeptChars: MB });
    await expect(engine.run(results)).rejects.toMatchObject({ message: `step 4 "c" (map) failed: ${over}` });

    const debug = testRun([{ type: 'debug', expr: '[1..80000]' }, { type: 'debug', expr: '[1..80000]' }], { maxKeptChars: MB });
    await expect(engine.run(debug)).rejects.toMatchObject({ message: `step 2 (debug) failed: ${over}` });
  });

  it('runs a flow that keeps less, and counts one output with an id once', async () => {
    const ctx = testRun([{ type: 'output', id: 'o', name: 'o', from: '[1..80000]' }, { type: 'output', name: 'o', from: '$steps.o' }], { maxKeptChars: MB });
    expect((await engine.run(ctx)).data.o).toHaveLength(160_000);
    expect(ctx.memory.used).toBeGreaterThan(2 * 468_894);
    expect(ctx.memory.used).toBeLessThan(MB);
  });
});
