import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException, RefusesHead } from '@tollgate/service-runtime';
import { Authenticated } from '../auth/authenticated.decorator';
import { AnyQueryParameters } from '../conventions/undeclared-parameters.guard';
import { queryString } from '../downstream/query-string';
import { Metered } from '../openapi/api-errors';
import { EntityQueryParamsDto, listOf, QueryParamsDto } from './query-params.dto';
import { QueryForwarding } from './query-forwarding';
import { QUERY_ANSWER_CONTENT, QueryAnswerDoc } from './query-answers.doc';

const ENTITY_PATH = /^([a-z][a-z0-9_]*)(\.(json|csv|xml))?$/;
/** Entity names hold no dot: `actions.pdf` asks for a format there is not, not for an entity. */
const OTHER_EXTENSION = /^[a-z][a-z0-9_]*\.([^.]*)$/;

const notAFormat = (extension: string) =>
  ApiException.validation([{ field: 'format', message: `.${extension} is not a format: use .json, .csv or .xml` }]);

@ApiTags('query')
@ApiExtraModels(QueryAnswerDoc)
@Controller('api/v1')
export class QueryHttpController {
  constructor(private readonly forwarding: QueryForwarding) {}

  @Get(['query', 'query.json', 'query.csv', 'query.xml'])
  @RefusesHead()
  @Authenticated({ scopes: ['query'] })
  @Metered('one credit per entity')
  @ApiOperation({ summary: 'Records of one or more entities (one credit per entity); JSON, CSV or XML by extension or format' })
  @ApiOkResponse({ description: 'the records, streamed', content: QUERY_ANSWER_CONTENT })
  async query(
    @Query() params: QueryParamsDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const entities = listOf(params.entities);
    if (new Set(entities).size !== entities.length) throw ApiException.validation([{ field: 'entities', message: 'an entity is listed twice' }]);
    await this.forwarding.refuseQuery(principal, entities, String(request.id), params);
    const ext = /\/query(\.(json|csv|xml))?(\?|$)/.exec(request.url)?.[1] ?? '';
    await this.forwarding.metered(request, reply, principal, entities, { method: 'GET', path: `/api/v1/query${ext}${queryString(params)}` });
  }

  /** `query.pdf`, `query.CSV`: the caller meant a format (the routes above take the three there are). */
  @Get('query.:extension')
  @RefusesHead()
  @Authenticated({ scopes: ['query'] })
  @ApiExcludeEndpoint()
  @AnyQueryParameters() // whatever they are, the format is what to fix first
  otherFormat(@Param('extension') extension: string): never {
    throw notAFormat(extension);
  }

  @Get('entities/:name')
  @RefusesHead()
  @Authenticated({ scopes: ['query'] })
  @Metered('1')
  @ApiOperation({ summary: 'Records of one entity (one credit), as the query endpoint' })
  @ApiParam({ name: 'name', example: 'actions.csv', description: 'entity name, optionally with .json, .csv or .xml' })
  @ApiOkResponse({ description: 'the records, streamed', content: QUERY_ANSWER_CONTENT })
  async entity(
    @Param('name') name: string,
    @Query() params: EntityQueryParamsDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const m = ENTITY_PATH.exec(name);
    const other = m ? undefined : OTHER_EXTENSION.exec(name);
    if (other) throw notAFormat(other[1]);
    if (!m) throw ApiException.notFound(`No entity ${name}`);
    await this.forwarding.refuseQuery(principal, [m[1]], String(request.id), params, { asPath: true });
    await this.forwarding.metered(request, reply, principal, [m[1]], { method: 'GET', path: `/api/v1/entities/${name}${queryString(params)}` });
  }
}
