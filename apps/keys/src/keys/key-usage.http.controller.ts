import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { KEY_USAGE_HANDOVER_MAX, KeyUsed, TOPICS, tollgateCatalog, type EventEnvelope, type FieldError } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { requireSystem } from '../identity/access';
import { RecordKeyUseWhenKeyUsed } from '../reactions/record-key-use-when-key-used.consumer';

class HandOverKeyUsageDto {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(KEY_USAGE_HANDOVER_MAX) events!: unknown[];
}

/**
 * Called by a stopping gateway only (system principal) with the KeyUsed events it could not
 * publish to Kafka. Each is checked as the consumer checks what it reads; one that fails refuses
 * the whole hand-over, so nothing is applied.
 */
@Controller()
export class KeyUsageHttpController {
  constructor(private readonly usage: RecordKeyUseWhenKeyUsed) {}

  @Post('key-usage')
  @HttpCode(200)
  async handOver(@CurrentPrincipal() principal: Principal, @Body() dto: HandOverKeyUsageDto): Promise<{ applied: number }> {
    requireSystem(principal);
    const events: EventEnvelope[] = [];
    const errors: FieldError[] = [];
    dto.events.forEach((raw, i) => {
      const result = tollgateCatalog.validate(raw, TOPICS.keys);
      if (!result.ok) errors.push({ field: `events[${i}]`, message: result.reason });
      else if (result.event.type !== KeyUsed.type) errors.push({ field: `events[${i}]`, message: `${result.event.type} is not a KeyUsed event` });
      else events.push(result.event);
    });
    if (errors.length) throw ApiException.validation(errors, 'Only valid KeyUsed events can be handed over');
    return { applied: await this.usage.applyHandedOver(events) };
  }
}
