import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { Authenticated } from '../auth/authenticated.decorator';
import { callerOrigin } from '../conventions/caller-origin';
import { readableQuery } from '../downstream/query-string';
import { ServiceClients } from '../downstream/service-clients';
import { listOf, QueryParamsDto } from './query-params.dto';
import { QueryForwarding } from './query-forwarding';

export const KEY_PLACEHOLDER = 'YOUR_KEY_VALUE';

class BuiltQueryDto {
  @ApiProperty({ example: 'https://tollgate.example/api/v1/query.csv?entities=actions&key=YOUR_KEY_VALUE' }) url!: string;
  @ApiProperty({ example: 1 }) cost!: number;
  @ApiProperty({ example: 312 }) remaining!: number;
  @ApiProperty({ example: true }) affordable!: boolean;
}

@ApiTags('query')
@Controller('api/v1')
export class QueryBuilderHttpController {
  constructor(
    private readonly forwarding: QueryForwarding,
    private readonly clients: ServiceClients,
  ) {}

  @Post('query-builder')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({ summary: 'The URL a client would call for these parameters, its cost and whether the pool affords it (free)' })
  @ApiOkResponse({ type: BuiltQueryDto })
  async build(@Body() body: QueryParamsDto, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest): Promise<BuiltQueryDto> {
    const entities = listOf(body.entities);
    if (new Set(entities).size !== entities.length) throw ApiException.validation([{ field: 'entities', message: 'an entity is listed twice' }]);
    await this.forwarding.refuseQuery(principal, entities, String(request.id), body, { forUrl: true });
    // Entities first, as a person would write the URL.
    const { format, entities: listed, ...params } = body;
    const ext = format && format !== 'json' ? `.${format}` : '';
    const url = `${callerOrigin(request)}/api/v1/query${ext}?${readableQuery({ entities: listed, ...params, key: KEY_PLACEHOLDER })}`;
    const { body: balance } = await this.clients.credits.json<{ remaining: number }>({
      method: 'GET',
      path: '/balance',
      principal,
      requestId: String(request.id),
    });
    const cost = entities.length;
    return { url, cost, remaining: balance.remaining, affordable: cost <= balance.remaining };
  }
}
