import { keyAggregateId } from '@tollgate/contracts';

/** Stream ids carry the aggregate type, so an instance named like a user id never shares its stream. */
export const instanceStream = (instanceId: string) => `instance:${instanceId}`;
export const userStream = (userId: string) => `user:${userId}`;
export const keyStream = keyAggregateId;
