import { IsUUID } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

/**
 * A console session was signed out. Sessions are not event-sourced (a session is a credential, not
 * history), so this is a notice outside any stream; every gateway drops its cached verification of
 * the session on it, as it does a revoked key's. It names the session by id, never by its token.
 */
export class SessionEndedV1 {
  @IsUUID() sessionId!: string;
  @IsUUID() userId!: string;
}

export const SessionEnded = defineEvent('SessionEnded', 1, TOPICS.keys, SessionEndedV1, { outsideStream: true });

/** The aggregate id, and so the Kafka message key, of a session's notices. */
export const sessionAggregateId = (sessionId: string): string => `session:${sessionId}`;
