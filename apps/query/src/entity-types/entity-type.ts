import type { FieldType } from '@tollgate/contracts';

export interface EntityField {
  name: string;
  type: FieldType;
}

/** An entity type as queries and batches see it. */
export interface EntityType {
  instanceId: string;
  name: string;
  primaryKey: string;
  fields: EntityField[];
}

/** Every record has these, besides its entity's own fields. */
export const BUILT_IN_FIELDS: readonly EntityField[] = [
  { name: 'id', type: 'string' },
  { name: 'title', type: 'string' },
  { name: 'createdAt', type: 'datetime' },
  { name: 'updatedAt', type: 'datetime' },
];

export const RESPONSIBILITIES = 'responsibilities';

export const entityTypeStreamId = (instanceId: string, name: string) => `entity-type:${instanceId}:${name}`;
