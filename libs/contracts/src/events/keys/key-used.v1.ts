import { IsInt, IsISO8601, IsString, Min, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

/** Reported by gateways in batches: one event per key per flush, not per request. */
export class KeyUsedV1 {
  @IsString() @MinLength(1) keyId!: string;
  @IsISO8601() lastUsedAt!: string;
  @IsInt() @Min(1) count!: number;
}

/** Gateways publish it directly, so it is in no stream of the key's. */
export const KeyUsed = defineEvent('KeyUsed', 1, TOPICS.keys, KeyUsedV1, { outsideStream: true });

/**
 * At most this many KeyUsed events in one hand-over to keys (`POST /key-usage`), which a stopping
 * gateway makes with the use Kafka did not take; it sends more in several.
 */
export const KEY_USAGE_HANDOVER_MAX = 1000;
