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

// Every record has these besides its entity's own fields; the gateway checks `display` against them too.
export { BUILT_IN_FIELDS, RESPONSIBILITIES } from '@tollgate/contracts';

export const entityTypeStreamId = (instanceId: string, name: string) => `entity-type:${instanceId}:${name}`;
