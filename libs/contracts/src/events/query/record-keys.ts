import { IsArray, IsString } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/**
 * The most bytes the keys of one event take, as JSON. With the envelope around them a message stays
 * under 512 KiB, half of what a Kafka broker takes by default (`message.max.bytes`, 1 MB).
 */
export const RECORD_KEYS_PART_BYTES = 480_000;

/**
 * Primary keys (as text, the way records name them) of the records one batch call changed: what the
 * call did to each, all its operations taken together. A key is in one list at most.
 */
export class RecordKeysV1 {
  @JSONSchema({ description: 'Records that did not exist before the call and do after it.' })
  @IsArray()
  @IsString({ each: true })
  inserted!: string[];
  @JSONSchema({ description: 'Records that existed before the call and were changed by it (replaced, when the call deleted and inserted the key again).' })
  @IsArray()
  @IsString({ each: true })
  updated!: string[];
  @JSONSchema({ description: 'Records that existed before the call and do not after it.' })
  @IsArray()
  @IsString({ each: true })
  deleted!: string[];
}
