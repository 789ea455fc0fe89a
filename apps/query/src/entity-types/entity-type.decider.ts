import { EntityTypeDefined, ErrorCode, MAX_ENTITY_FIELDS, type EventEnvelope } from '@tollgate/contracts';
import { pendingEvent, type Decider, type PendingEvent } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';
import { BUILT_IN_FIELDS, RESPONSIBILITIES, type EntityField } from './entity-type';

export interface EntityTypeState {
  defined: boolean;
  primaryKey?: string;
  fields: EntityField[];
}

export interface DefineEntityType {
  name: string;
  /** Left out: `id` for a new type, the type's own key when it adds fields to one. */
  primaryKey?: string;
  fields: EntityField[];
}

const RESERVED = new Set([...BUILT_IN_FIELDS.map((f) => f.name.toLowerCase()), RESPONSIBILITIES, 'entity', 'pk']);
const KEY_TYPES = new Set(['string', 'number']);

function invalid(field: string, message: string): ApiException {
  return ApiException.validation([{ field, message }]);
}

/**
 * An entity type is defined once and may later gain fields; changing its primary key or the type
 * of a field it has would strand stored records, so that is a conflict. Repeating the same
 * definition changes nothing (idempotent set-up scripts).
 */
export const entityTypeDecider: Decider<EntityTypeState, DefineEntityType> = {
  initialState: () => ({ defined: false, fields: [] }),

  evolve(state: EntityTypeState, event: EventEnvelope): EntityTypeState {
    if (event.type !== EntityTypeDefined.type) return state;
    const data = event.data as { primaryKey: string; fields: EntityField[] };
    return { defined: true, primaryKey: data.primaryKey, fields: data.fields };
  },

  decide(command: DefineEntityType, state: EntityTypeState): PendingEvent[] {
    const seen = new Set<string>();
    command.fields.forEach((field, i) => {
      if (RESERVED.has(field.name)) throw invalid(`fields.${i}.name`, `${field.name} is a built-in field of every record`);
      if (seen.has(field.name)) throw invalid(`fields.${i}.name`, `${field.name} is listed twice`);
      seen.add(field.name);
    });
    const primaryKey = command.primaryKey ?? state.primaryKey ?? 'id';
    if (state.defined && state.primaryKey !== primaryKey) {
      throw new ApiException(ErrorCode.Conflict, `Entity ${command.name} already has primary key ${state.primaryKey}`);
    }
    // Adding fields to a type need not list its key field again.
    const keyField = [...command.fields, ...state.fields].find((f) => f.name === primaryKey);
    if (primaryKey !== 'id' && !keyField) {
      throw invalid('primaryKey', 'primaryKey must be id or one of the fields');
    }
    if (keyField && !KEY_TYPES.has(keyField.type)) throw invalid('primaryKey', 'the primary key must be a string or number field');

    if (!state.defined) return [pendingEvent(EntityTypeDefined, { entity: command.name, primaryKey, fields: command.fields })];
    const previous = new Map(state.fields.map((f) => [f.name, f.type]));
    for (const field of command.fields) {
      const before = previous.get(field.name);
      if (before && before !== field.type) {
        throw new ApiException(ErrorCode.Conflict, `Field ${field.name} of ${command.name} is already of type ${before}`);
      }
    }
    const added = command.fields.filter((f) => !previous.has(f.name));
    if (added.length === 0) return [];
    // The limit is the type's, not one request's: a type grown 40 fields at a time would pass it.
    if (state.fields.length + added.length > MAX_ENTITY_FIELDS) {
      throw invalid('fields', `${command.name} has ${state.fields.length} fields; adding ${added.length} would pass the ${MAX_ENTITY_FIELDS} a type may have`);
    }
    // Fields are never dropped: records already hold them.
    const fields = [...state.fields, ...added];
    return [pendingEvent(EntityTypeDefined, { entity: command.name, primaryKey, fields })];
  },
};
