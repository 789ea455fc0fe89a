import 'reflect-metadata';

const AS_SENT = 'tollgate:as-sent';

/**
 * Marks a free-form value (records, GraphQL variables) to be kept exactly as the client sent it.
 * Validation otherwise rebuilds the plain objects inside it, deleting every key named
 * `constructor`, `prototype` or `__proto__` on the way (a guard against prototype pollution that
 * the JSON parser already provides): a record field named `constructor` was dropped without a word.
 */
export const AsSent = (): PropertyDecorator => (target, key) => Reflect.defineMetadata(AS_SENT, true, target, key);

export const isSentAsIs = (dto: Function, property: string): boolean => Reflect.getMetadata(AS_SENT, dto.prototype, property) === true;
