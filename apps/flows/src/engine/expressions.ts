import jsonata from 'jsonata';

const MAX_CACHED = 2000;
const compiled = new Map<string, jsonata.Expression>();

/** Compiles (once) a JSONata expression; throws the parser's error for a bad one. */
export function compile(expression: string): jsonata.Expression {
  let found = compiled.get(expression);
  if (!found) {
    found = jsonata(expression);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(expression, found);
  }
  return found;
}

/** The parser's message for a bad expression, or undefined when it compiles. */
export function expressionError(expression: string): string | undefined {
  try {
    compile(expression);
    return undefined;
  } catch (error) {
    const e = error as { message?: string; position?: number };
    return `${e.message ?? 'invalid expression'}${e.position !== undefined ? ` (at position ${e.position})` : ''}`;
  }
}

/** JSONata sequences carry extra properties; this gives plain JSON values back. */
export function plain(value: unknown): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value));
}

export async function evaluate(expression: string, context: unknown, bindings: Record<string, unknown>): Promise<unknown> {
  return plain(await compile(expression).evaluate(context, bindings));
}
