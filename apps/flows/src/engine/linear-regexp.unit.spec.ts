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

  it('matches \\s, \\S and . as JavaScript does, which RE2 alone would not', async () => {
    // RE2's \s is ASCII only: a no-break space (French names, numbers) would stop splitting.
    expect(await run('$split("Jean\u00a0Dupont\u3000x", /\\s+/)')).toEqual(['Jean', 'Dupont', 'x']);
    expect(await run('$match("a\u00a0b", /\\S+/).match')).toEqual(['a', 'b']);
    expect(await run('$match("a1 b2", /[^\\s\\d]+/).match')).toEqual(['a', 'b']);
    // RE2's . takes a carriage return: a header read from CRLF text would end in one.
    expect(await run('$match(t, /Subject: (.*)/).groups[0]', { t: 'Subject: Pump B\r\nFrom: ann' })).toBe('Pump B');
    expect(await run('$replace("a\u2028b", /./, "X")')).toBe('X\u2028X');
    // Escapes and classes are read as JavaScript reads them.
    expect(await run('$match("a.b axb", /a\\.b/).match')).toBe('a.b');
    expect(await run('$match("x]y.z", /[\\].]/).match')).toEqual([']', '.']);
    // \S inside a class has no equivalent to write out: refused, saying so.
    expect(expressionError('$contains(title, /[\\S\\d]/)')).toMatch(/\\S inside a character class/);
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
