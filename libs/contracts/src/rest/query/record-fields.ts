import type { FieldType } from '../../events/query/entity-type-defined.v1';

/** Every record has these, besides its entity's own fields (API.md, Query). */
export const BUILT_IN_FIELDS: readonly { name: string; type: FieldType }[] = [
  { name: 'id', type: 'string' },
  { name: 'title', type: 'string' },
  { name: 'createdAt', type: 'datetime' },
  { name: 'updatedAt', type: 'datetime' },
];

/** The optional built-in field: who holds a responsibility in the record (`[{"userId","role"}]`). */
export const RESPONSIBILITIES = 'responsibilities';
