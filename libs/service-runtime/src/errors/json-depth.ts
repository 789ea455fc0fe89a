import type { FieldError } from '@tollgate/contracts';

/**
 * How deep a request body may nest arrays and objects. Far beyond any document the API takes
 * (flow steps, batch rows with `json` fields), and far below the depth at which the recursive
 * work every body meets (validation, transformation, serialisation) exhausts the call stack.
 */
export const MAX_JSON_DEPTH = 64;

export const JSON_DEPTH_ERROR: FieldError = { field: 'body', message: `must not nest arrays and objects more than ${MAX_JSON_DEPTH} levels deep` };

/** True when `value` nests deeper than `max`; walks with its own stack, so any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length) {
    const [item, depth] = pending.pop()!;
    if (typeof item !== 'object' || item === null || Buffer.isBuffer(item)) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}
