import { RECORD_KEYS_PART_BYTES, type RecordKeysV1 } from '@tollgate/contracts';

/**
 * What one batch call did to each primary key it touched, all its operations taken together: a
 * subscriber mirroring records applies the lists in any order and ends where the call ended.
 */
export class ChangedKeys {
  /** Per key: whether its record existed before the call, and whether it exists now. */
  private readonly states = new Map<string, { before: boolean; now: boolean }>();

  /** An operation wrote a record that did not exist at that point of the call. */
  created(pk: string): void {
    const state = this.states.get(pk);
    if (state) state.now = true;
    else this.states.set(pk, { before: false, now: true });
  }

  /** An operation changed a record that existed at that point of the call. */
  changed(pk: string): void {
    if (!this.states.has(pk)) this.states.set(pk, { before: true, now: true });
  }

  /** An operation deleted a record that existed at that point of the call. */
  removed(pk: string): void {
    const state = this.states.get(pk);
    if (state) state.now = false;
    else this.states.set(pk, { before: true, now: false });
  }

  /** The net effect: a key inserted and deleted again by the call is in no list. */
  keys(): RecordKeysV1 {
    const keys: RecordKeysV1 = { inserted: [], updated: [], deleted: [] };
    for (const [pk, { before, now }] of this.states) {
      if (!before && now) keys.inserted.push(pk);
      else if (before && now) keys.updated.push(pk);
      else if (before && !now) keys.deleted.push(pk);
    }
    return keys;
  }
}

/**
 * Splits keys into parts of at most `budget` bytes of JSON each (a key's own size counted as it is
 * escaped, with its comma), in order: inserted, then updated, then deleted. Always one part at least.
 */
export function keyParts(keys: RecordKeysV1, budget = RECORD_KEYS_PART_BYTES): RecordKeysV1[] {
  const parts: RecordKeysV1[] = [];
  let part: RecordKeysV1 = { inserted: [], updated: [], deleted: [] };
  let used = 0;
  for (const list of ['inserted', 'updated', 'deleted'] as const) {
    for (const key of keys[list]) {
      const size = Buffer.byteLength(JSON.stringify(key)) + 1;
      if (used + size > budget && used > 0) {
        parts.push(part);
        part = { inserted: [], updated: [], deleted: [] };
        used = 0;
      }
      part[list].push(key);
      used += size;
    }
  }
  parts.push(part);
  return parts;
}
