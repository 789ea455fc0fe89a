import { GraphQLError, Kind, Lexer, parse, Source, TokenKind, type DocumentNode, type SelectionSetNode, type Token } from 'graphql';

/**
 * How deeply a document may nest, braces (selections, input objects), brackets (lists) and
 * parentheses (arguments, variable definitions) counted together. What GraphiQL and code generators
 * send nests about a dozen levels (the introspection query's `ofType` chain); graphql-js's parser
 * recurses once or more per level and runs out of stack at a little over a thousand.
 */
export const MAX_DOCUMENT_DEPTH = 64;

const OPENING = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/** The first token that opens a level beyond the limit, found by graphql-js's own lexer, which does not recurse. */
function tooDeep(source: Source): Token | undefined {
  const lexer = new Lexer(source);
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (OPENING.has(token.kind)) {
        depth += 1;
        if (depth > MAX_DOCUMENT_DEPTH) return token;
      } else if (CLOSING.has(token.kind)) {
        depth -= 1;
      }
    }
  } catch {
    // A syntax error before the limit was reached: the parser names it below.
  }
  return undefined;
}

/** How deeply a definition nests its selections, and where it spreads fragments (at which level). */
interface Shape {
  own: number;
  spreads: { name: string; level: number }[];
}

/** Within one definition the walk is as deep as its braces, which `tooDeep` bounds. */
function shapeOf(set: SelectionSetNode): Shape {
  const shape: Shape = { own: 0, spreads: [] };
  const walk = (selections: SelectionSetNode, level: number) => {
    shape.own = Math.max(shape.own, level);
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) shape.spreads.push({ name: selection.name.value, level });
      else if (selection.selectionSet) walk(selection.selectionSet, level + 1);
    }
  };
  walk(set, 1);
  return shape;
}

/**
 * How deeply each definition nests its selections once the fragments it spreads are put in their
 * place: the depth graphql-js's validation and execution recurse to (a chain of fragments that each
 * add a level nests deeply in a document of few braces). Measured with a stack of its own rather
 * than by recursion, each fragment once however often it is spread; a spread of a fragment on the
 * walk's own path (a cycle, which validation refuses) or of no fragment adds nothing.
 */
function depths(document: DocumentNode): number[] {
  const fragments = new Map<string, Shape>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, shapeOf(definition.selectionSet));
  }
  const measured = new Map<string, number>();
  const depthOf = (shape: Shape) => Math.max(shape.own, ...shape.spreads.map((s) => s.level - 1 + (measured.get(s.name) ?? 0)));
  const measure = (start: string) => {
    const stack = [start];
    const onPath = new Set<string>();
    while (stack.length) {
      const name = stack[stack.length - 1];
      const shape = fragments.get(name);
      if (measured.has(name) || !shape) {
        stack.pop();
        continue;
      }
      onPath.add(name);
      const pending = shape.spreads.map((s) => s.name).filter((next) => fragments.has(next) && !measured.has(next) && !onPath.has(next));
      if (pending.length) {
        stack.push(...pending);
        continue;
      }
      measured.set(name, depthOf(shape));
      onPath.delete(name);
      stack.pop();
    }
  };
  for (const name of fragments.keys()) measure(name);
  return document.definitions.map((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION ? depthOf(shapeOf(definition.selectionSet)) : 0,
  );
}

/**
 * The document a query holds, parsed by graphql-js; a GraphQLError (with its location) for a
 * syntax error or a document nested deeper than MAX_DOCUMENT_DEPTH, in its text or through its
 * fragments. Refused before graphql-js recurses into it (its parser, its validation), so a deep
 * document gets a reason rather than "Maximum call stack size exceeded".
 */
export function parseDocument(query: string): DocumentNode {
  const source = new Source(query);
  const deep = tooDeep(source);
  if (deep) {
    const message = `the document is nested too deeply (at most ${MAX_DOCUMENT_DEPTH} levels of braces, brackets and parentheses)`;
    throw new GraphQLError(message, { source, positions: [deep.start] });
  }
  const document = parse(source);
  const deepest = depths(document).findIndex((depth) => depth > MAX_DOCUMENT_DEPTH);
  if (deepest >= 0) {
    const message = `the document is nested too deeply through its fragments (at most ${MAX_DOCUMENT_DEPTH} levels of selections, each fragment counted where it is spread)`;
    throw new GraphQLError(message, { source, positions: [document.definitions[deepest].loc?.start ?? 0] });
  }
  return document;
}
