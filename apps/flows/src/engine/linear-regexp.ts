import { RE2JS } from 're2js';

/**
 * A regular expression that JSONata cannot evaluate here: RE2 has no lookaround and no
 * backreferences, the two features that cannot be matched in linear time.
 */
export class UnsupportedRegExp extends Error {
  constructor(
    readonly literal: RegExp,
    readonly reason: string,
    /** Where the literal ends in the expression, as JSONata counts positions. */
    readonly position?: number,
  ) {
    super(`the regular expression /${literal.source}/ cannot be used: ${reason}${LINEAR_ONLY.test(reason) ? ' (lookaround and backreferences are not supported)' : ''}`);
    this.name = 'UnsupportedRegExp';
  }
}

/** RE2's reasons for the two features no linear-time engine has. */
const LINEAR_ONLY = /Perl syntax: `\(\?[=!<]|invalid escape sequence: `\\[1-9k]/;

/** What JavaScript's `\s` matches; RE2's is ASCII whitespace only (no no-break space, no BOM). */
const JS_SPACES = '\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
/** What JavaScript's `.` does not match; RE2's `.` leaves out `\n` only. */
const JS_LINE_ENDS = '\n\r\u2028\u2029';

/**
 * The literal's source with `\s`, `\S` and `.` written out as JavaScript means them, so that a
 * pattern matches as it did under JavaScript's engine: RE2 takes `\s` for ASCII whitespace and `.`
 * for anything but `\n`. Escapes and character classes are read as JavaScript reads them.
 */
function asJavaScriptMeansIt(source: string, literal: RegExp): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[++i] ?? '';
      out += next === 's' ? `[${JS_SPACES}]` : next === 'S' ? `[^${JS_SPACES}]` : `\\${next}`;
    } else if (c === '.') {
      out += `[^${JS_LINE_ENDS}]`;
    } else if (c === '[') {
      // A class: to its closing bracket (one right after `[` or `[^` closes it, as in JavaScript).
      let j = i + 1;
      if (source[j] === '^') j++;
      let members = source.slice(i + 1, j);
      for (; j < source.length && source[j] !== ']'; j++) {
        if (source[j] !== '\\') {
          members += source[j];
          continue;
        }
        const next = source[++j] ?? '';
        if (next === 'S') throw new UnsupportedRegExp(literal, '\\S inside a character class (write the class without it, or use [^\\s…])');
        members += next === 's' ? JS_SPACES : `\\${next}`;
      }
      out += `[${members}]`;
      i = j;
    } else {
      out += c;
    }
  }
  return out;
}

const MAX_CACHED = 500;
const patterns = new Map<string, RE2JS>();

function patternOf(literal: RegExp): RE2JS {
  const key = `${literal.flags}/${literal.source}`;
  let found = patterns.get(key);
  if (!found) {
    // JSONata's literals take only the flags i and m (and always g, which is how it iterates).
    const flags = (literal.flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (literal.flags.includes('m') ? RE2JS.MULTILINE : 0);
    try {
      found = RE2JS.compile(RE2JS.translateRegExp(asJavaScriptMeansIt(literal.source, literal)), flags);
    } catch (error) {
      if (error instanceof UnsupportedRegExp) throw error;
      throw new UnsupportedRegExp(literal, error instanceof Error ? error.message : String(error));
    }
    if (patterns.size >= MAX_CACHED) patterns.delete(patterns.keys().next().value as string);
    patterns.set(key, found);
  }
  return found;
}

/**
 * The regular expressions of flow expressions, matched by RE2 (re2js) in time linear in the text.
 * JavaScript's own engine backtracks: `$match("aaaa…a!", /(a+)+$/)` over forty characters would
 * hold its expression process for hours, and with it every other instance's expressions there.
 *
 * It is what JSONata's `RegexEngine` option asks for: built from the literal's RegExp, with
 * `exec` searching from `lastIndex` and leaving it at the end of the match, as a global RegExp.
 */
export class LinearRegExp {
  lastIndex = 0;
  private readonly pattern: RE2JS;

  constructor(literal: RegExp) {
    this.pattern = patternOf(literal);
  }

  exec(input: string): RegExpExecArray | null {
    const matcher = this.pattern.matcher(input);
    if (this.lastIndex > input.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    // A group that took no part in the match is undefined, as JavaScript has it.
    const groups = Array.from({ length: matcher.groupCount() + 1 }, (_, i) => matcher.group(i) ?? undefined) as string[];
    this.lastIndex = matcher.end();
    return Object.assign(groups, { index: matcher.start(), input }) as RegExpExecArray;
  }

  /** Throws UnsupportedRegExp, naming where it is, for a literal RE2 cannot match. */
  static check(literal: RegExp, position?: number): void {
    try {
      patternOf(literal);
    } catch (error) {
      if (error instanceof UnsupportedRegExp) throw new UnsupportedRegExp(literal, error.reason, position);
      throw error;
    }
  }
}
