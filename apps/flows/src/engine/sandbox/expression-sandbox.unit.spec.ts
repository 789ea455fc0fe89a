import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { eventually } from '@tollgate/testing';
import { ExpressionFailure } from '../expressions';
import { ExpressionSandbox } from './expression-sandbox';

jest.setTimeout(30_000);

const never = new AbortController().signal;
// Compares 100,000 objects with one another in one step (some two minutes) that no timer can interrupt.
const STUCK = '$count($distinct([1..100000].{"v": $}))';
// Some 200,000 small steps: under way when the expression beside it breaks their process.
const INNOCENT = '$sum($map([1..200000], function($v){ $v }))';
const INNOCENT_SUM = 20000100000;
// Ten billion small steps (hours of CPU), none of them long: it ends when it is stopped.
const ENDLESS = '$sum($map([1..100000], function($v){ $sum($map([1..1000], function($u){ $sum($map([1..100], function($w){ $w * $u * $v })) })) }))';

/** This process's expression processes (tsx, which runs the TypeScript sources here, may add one of its own). */
function evaluatorPids(parent = process.pid): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(parent), '-f', 'evaluator-process'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

describe('the expression sandbox (real processes)', () => {
  let sandbox: ExpressionSandbox;

  beforeAll(async () => {
    sandbox = new ExpressionSandbox({ FLOWS_EXPRESSION_PROCESSES: 1, FLOWS_EXPRESSION_MEMORY_MB: 64, FLOWS_EXPRESSION_STEP_LIMIT_MS: 400, FLOWS_EXPRESSION_MAX_VALUE_MB: 1 });
    await sandbox.onModuleInit();
  });
  afterAll(() => sandbox?.onApplicationShutdown());

  it('evaluates over a root, with bindings, and once per record', async () => {
    expect(await sandbox.evaluate({ expression: 'input.n * 2 & $processId', root: { input: { n: 21 } }, bindings: { processId: '!' } }, never)).toBe('42!');
    expect(await sandbox.evaluate({ expression: '$ * 10 + $index', root: undefined, bindings: {}, each: [1, 2, 3] }, never)).toEqual([10, 21, 32]);
  });

  it("fails an expression with JSONata's message, the position and the record, as the step names them", async () => {
    const failure = await sandbox.evaluate({ expression: '$ * 2', root: undefined, bindings: {}, each: [1, 'two'] }, never).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExpressionFailure);
    expect(failure).toMatchObject({ expression: '$ * 2', record: 1, position: 3, message: 'The left side of the "*" operator must evaluate to a number' });
  });

  it('fails an expression whose value holds a number JSON cannot carry, instead of answering null', async () => {
    // JSONata's $number answers NaN for these strings rather than refusing them as it does "abc".
    for (const card of ['ab0b1', 'x0o7y']) {
      const failure = await sandbox.evaluate({ expression: '[$number(card)]', root: { card }, bindings: {} }, never).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ExpressionFailure);
      expect(failure).toMatchObject({ expression: '[$number(card)]', message: "the expression's value holds NaN, which is not a number JSON can carry" });
    }
    const failure = await sandbox.evaluate({ expression: '{"n": $number($)}', root: undefined, bindings: {}, each: ['1', '20b1'] }, never).catch((e: unknown) => e);
    expect(failure).toMatchObject({ record: 1, message: "the expression's value holds NaN, which is not a number JSON can carry" });
    expect(await sandbox.evaluate({ expression: '$number(card)', root: { card: '0b101' }, bindings: {} }, never)).toBe(5);
  });

  it('fails an expression whose values come to more than the service takes of one, counting every record', async () => {
    await expect(sandbox.evaluate({ expression: '$pad("", 2000000, "x")', root: {}, bindings: {} }, never)).rejects.toThrow("the expression's value is larger than 1 MB of JSON");
    const each = ['a', 'b', 'c'];
    await expect(sandbox.evaluate({ expression: '$pad($, 400000, "x")', root: undefined, bindings: {}, each }, never)).rejects.toThrow("the expression's value is larger than 1 MB of JSON");
    expect(await sandbox.evaluate({ expression: '$length($pad($, 400000, "x"))', root: undefined, bindings: {}, each }, never)).toEqual([400000, 400000, 400000]);
  });

  it('fails an expression that needs more memory than a process has, and not the one evaluated beside it', async () => {
    const beside = sandbox.evaluate({ expression: INNOCENT, root: {}, bindings: {} }, never);
    await expect(sandbox.evaluate({ expression: '[1..10000000].$string()', root: {}, bindings: {} }, never)).rejects.toThrow(
      'this or another expression evaluated beside it needed more than the 64 MB an expression may use',
    );
    expect(await beside).toBe(INNOCENT_SUM);
    expect(await sandbox.evaluate({ expression: '1 + 1', root: {}, bindings: {} }, never)).toBe(2);
  });

  it('ends a process stuck in one step, while this process stays free, and not the expression evaluated beside it', async () => {
    const started = Date.now();
    // A 100 ms timer of this process fires while the stuck step runs elsewhere, before the step
    // limit (0.4 s) ends it.
    const seen: string[] = [];
    setTimeout(() => seen.push('timer'), 100);
    const beside = sandbox.evaluate({ expression: INNOCENT, root: {}, bindings: {} }, never);
    const stuck = sandbox.evaluate({ expression: STUCK, root: {}, bindings: {} }, never).finally(() => seen.push('stuck step ended'));
    await expect(stuck).rejects.toThrow('one step of this or another expression evaluated beside it ran for over 0.4 s');
    expect(await beside).toBe(INNOCENT_SUM);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(seen).toEqual(['timer', 'stuck step ended']);
    expect(await sandbox.evaluate({ expression: '"still" & " here"', root: {}, bindings: {} }, never)).toBe('still here');
  });

  it('answers a regular expression that JavaScript would backtrack on for hours: matching it is no stuck step', async () => {
    // JavaScript's engine tries 2^40 ways before it gives up on the first; RE2 reads the text once.
    expect(await sandbox.evaluate({ expression: '$match("' + 'a'.repeat(40) + '!", /(a+)+$/)', root: {}, bindings: {} }, never)).toBeUndefined();
    const text = 'a'.repeat(100_000) + '!';
    expect(await sandbox.evaluate({ expression: '$contains(text, /^(a|aa)+$/)', root: { text }, bindings: {} }, never)).toBe(false);
  });

  it('sorts 20,000 records in a process of 64 MB, by order-by and by $sort with a function', async () => {
    // JSONata's merge sort copied what was left of a list at every item: O(n²) of copies alive,
    // some 200 MB for 10,000 records, one nested call per record.
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, due: (i * 7919) % 20_000 }));
    expect(await sandbox.evaluate({ expression: '[rows^(>due)[[0..2]].due]', root: { rows }, bindings: {} }, never)).toEqual([19_999, 19_998, 19_997]);
    const ordered = await sandbox.evaluate({ expression: '$sort(rows, function($l, $r) { $l.due > $r.due }).due', root: { rows }, bindings: {} }, never);
    expect(ordered).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
  });

  it('answers an aborted evaluation at once with the reason, and goes on with the others', async () => {
    const controller = new AbortController();
    const busy = sandbox.evaluate({ expression: ENDLESS, root: {}, bindings: {} }, controller.signal);
    const other = sandbox.evaluate({ expression: '$sum([1..1000])', root: {}, bindings: {} }, never);
    let abortedAt = 0;
    setTimeout(() => ((abortedAt = Date.now()), controller.abort(new Error('the run timed out'))), 200);
    await expect(busy).rejects.toThrow('the run timed out');
    expect(Date.now() - abortedAt).toBeLessThan(5_000); // not the hours the expression would take
    expect(await other).toBe(500500);
    // The abort stopped the evaluation in its process: the process answers without being replaced.
    expect(await sandbox.evaluate({ expression: '1', root: {}, bindings: {} }, never)).toBe(1);
  });

  it('holds an evaluation that arrives while its process is being replaced, and evaluates it once the replacement is ready', async () => {
    const first = evaluatorPids();
    expect(first).toHaveLength(1);
    // Ended from outside (the kernel's OOM killer, say): replaced at once. Its replacement,
    // ended too before it could start, is replaced only after a pause.
    process.kill(first[0], 'SIGKILL');
    const replacement = await eventually(
      () => {
        const pids = evaluatorPids();
        expect(pids).toHaveLength(1);
        expect(pids).not.toEqual(first);
        return pids[0];
      },
      { intervalMs: 10 },
    );
    process.kill(replacement, 'SIGKILL');
    await eventually(() => expect(evaluatorPids()).toEqual([]), { intervalMs: 10 });
    expect(await sandbox.evaluate({ expression: '"waited" & " for it"', root: {}, bindings: {} }, never)).toBe('waited for it');
  });

  it('gives a replacement the time it takes to start, however long: starting is no step', async () => {
    const [first] = evaluatorPids();
    process.kill(first, 'SIGKILL');
    const replacement = await eventually(
      () => {
        const pids = evaluatorPids();
        expect(pids).toHaveLength(1);
        expect(pids).not.toEqual([first]);
        return pids[0];
      },
      { intervalMs: 5 },
    );
    // Held while it loads its code (a machine busy elsewhere), for several times the 400 ms step limit.
    process.kill(replacement, 'SIGSTOP');
    const answer = sandbox.evaluate({ expression: '"started" & " late"', root: {}, bindings: {} }, never);
    answer.catch(() => undefined); // judged below, whatever comes first
    await new Promise((r) => setTimeout(r, 1_500));
    // Not taken for stuck: the process that was slow to start is the one that answers.
    expect(evaluatorPids()).toEqual([replacement]);
    process.kill(replacement, 'SIGCONT');
    expect(await answer).toBe('started late');
  });

  it('answers at once for a signal that aborted before the call', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(sandbox.evaluate({ expression: '1', root: {}, bindings: {} }, controller.signal)).rejects.toThrow('gone');
  });

  it('leaves no process behind, even one stuck in a step, when the service is killed', async () => {
    const service = spawn(
      process.execPath,
      [
        '--require',
        require.resolve('tsx/cjs'),
        '-e',
        `const { ExpressionSandbox } = require(${JSON.stringify(path.join(__dirname, 'expression-sandbox'))});
         const sandbox = new ExpressionSandbox({ FLOWS_EXPRESSION_PROCESSES: 2, FLOWS_EXPRESSION_MEMORY_MB: 64, FLOWS_EXPRESSION_STEP_LIMIT_MS: 600000, FLOWS_EXPRESSION_MAX_VALUE_MB: 32 });
         sandbox.onModuleInit().then(() => {
           sandbox.evaluate({ expression: ${JSON.stringify(STUCK)}, root: {}, bindings: {} }, new AbortController().signal).catch(() => {});
           setTimeout(() => console.log('busy'), 300);
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    let evaluators: number[] = [];
    try {
      await new Promise((resolve, reject) => {
        service.stdout.once('data', resolve);
        service.once('exit', () => reject(new Error('the service ended before its expression processes were busy')));
      });
      evaluators = evaluatorPids(service.pid);
      expect(evaluators).toHaveLength(2);
    } finally {
      service.kill('SIGKILL');
    }
    const deadline = Date.now() + 5_000;
    while (evaluators.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const left = evaluators.filter(alive);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    expect(left).toEqual([]);
  });
});
