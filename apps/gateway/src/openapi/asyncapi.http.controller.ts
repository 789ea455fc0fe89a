import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { asyncApiDocument } from '@tollgate/contracts';
import { Public } from '@tollgate/service-runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/** The event catalogue for downstream subscribers, published beside the OpenAPI document. */
@ApiTags('events')
@Controller('api')
export class AsyncApiHttpController {
  private document?: Record<string, unknown>;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  @Public()
  @Get('asyncapi.json')
  @ApiOperation({ summary: 'AsyncAPI 3.0 document of every event on Kafka: topics, event types and versions, payload schemas' })
  @ApiOkResponse({ description: 'the document', schema: { type: 'object', additionalProperties: true } })
  asyncApi(): Record<string, unknown> {
    return (this.document ??= asyncApiDocument({ brokers: this.config.KAFKA_BROKERS[0] }));
  }
}
