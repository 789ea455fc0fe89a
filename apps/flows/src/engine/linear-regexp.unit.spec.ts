import { EvaluationBudget, evaluate, expressionError, ExpressionFailure } from './expressions';
import { validateSteps } from '../flows/validate-flow';

const run = (expression: string, root: unknown = {}) => evaluate(expression, root, {}, new EvaluationBudget(new AbortController().signal));

describe("flow expressions' regular expressions (RE2, linear in the text; the sandbox's tests show a backtracking one answered)", () => {
  it("keeps JSONata's regular expression functions as they were: matches, groups, indexes, flags", async () => {
    expect(await run('$match("ab12 cd3 x", /([a-z]+)(\\d+)/)')).toEqual([
      { match: 'ab12', index: 0, groups: ['ab', '12'] },
      { match: 'cd3', index: 5, groups: ['cd', '3'] },
    ]);
    expect(await run('$replace("2026-11-27", /(\\d+)-(\\d+)-(\\d+)/, "$3.$2.$1")')).toBe('27.11.2026');
    expect(await run('$split("a, b;c", /[,;] ?/)')).toEqual(['a', 'b', 'c']);
    expect(await run('$contains("Overdue", /overdue/i)')).toBe(true);
    expect(await run('$contains("Overdue", /overdue/)')).toBe(false);
    expect(await run('$match("one\\ntwo", /^t\\w+$/m).match')).toBe('two');
    // Indexes count UTF-16 units, as JavaScript's strings do.
    expect(await run('$match("😀 éé", /é+/).index')).toBe(3);
    // A group that took no part is left out, as with JavaScript's engine.
    expect(await run('$match("a", /(a)(b)?/).groups')).toEqual(['a', null]);
    // A regular expression read through $eval is matched the same way.
    expect(await run('$eval("$contains(\\"xaaaa!\\", /^(a+)+$/)")')).toBe(false);
  });

  it('refuses lookaround and backreferences when a flow is saved, naming where, and when a run meets one', async () => {
    expect(expressionError('$match(title, /a(?=b)/)')).toMatch(/^the regular expression \/a\(\?=b\)\/ cannot be used: .*lookaround and backreferences are not supported.* \(at position \d+\)$/);
    expect(expressionError('$replace(title, /(a)\\1/, "x")')).toMatch(/cannot be used/);
    expect(expressionError('$match(title, /a(?:b)/)')).toBeUndefined();
    const [problem] = validateSteps([{ type: 'map', from: '$input', expr: '$contains(title, /(?<!x)y/)' }]);
    expect(problem).toMatchObject({ field: 'steps.0.expr' });
    expect(problem.message).toContain('cannot be used');
    // A flow saved before: its run fails the step, saying why.
    const failure = await run('$contains("ab", /a(?=b)/)').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExpressionFailure);
    expect((failure as Error).message).toContain('cannot be used');
    // Through $eval, as any error there (JSONata writes what $eval was given into its message).
    await expect(run('$eval("$contains(\\"ab\\", /a(?=b)/)")')).rejects.toThrow('Dynamic error evaluating the expression passed to function eval');
  });
});
