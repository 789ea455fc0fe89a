import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { GraphqlRequestDto, MAX_ENTITIES_PER_QUERY } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { Authenticated } from '../auth/authenticated.decorator';
import { Metered } from '../openapi/api-errors';
import { GraphqlChecks } from './graphql-checks';
import { PLAYGROUND_PAGE } from './graphql-playground';
import { graphqlRootFields, parseGraphql } from './graphql-root-fields';
import { QueryForwarding } from './query-forwarding';
import { GraphqlAnswerDoc } from './query-answers.doc';
import { AnyQueryParameters } from '../conventions/undeclared-parameters.guard';

@ApiTags('query')
@Controller('graphql')
export class GraphqlHttpController {
  constructor(
    private readonly forwarding: QueryForwarding,
    private readonly checks: GraphqlChecks,
  ) {}

  @Post()
  @Authenticated({ scopes: ['query'] })
  @Metered('one credit per root field read; introspection 0')
  @ApiOperation({
    summary: 'GraphQL over the records: one root field per entity type the key may read; one credit per root field read',
  })
  @ApiOkResponse({ type: GraphqlAnswerDoc })
  async query(
    @Body() body: GraphqlRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const document = parseGraphql(body.query);
    const named = graphqlRootFields(document, body.operationName);
    if (named.length > MAX_ENTITIES_PER_QUERY) {
      throw ApiException.validation([{ field: 'query', message: `at most ${MAX_ENTITIES_PER_QUERY} entity fields per request` }]);
    }
    const downstream = { method: 'POST' as const, path: '/api/v1/graphql', body };
    // Introspection alone reads no entity: it costs 0, and still says what remains. Otherwise the
    // cost is what graphql-js will run: one read per response key, skipped fields left out.
    let entities: string[] = [];
    if (named.length) {
      await this.forwarding.refuseUnservable(principal, [...new Set(named)], String(request.id));
      const checked = await this.checks.check(principal, { document, operationName: body.operationName, variables: body.variables }, String(request.id));
      if (checked.errors.length) throw ApiException.validation(checked.errors);
      entities = checked.entities;
    }
    await this.forwarding.metered(request, reply, principal, entities, downstream);
  }

  @Get()
  @AnyQueryParameters() // a page, not an API call: whatever a browser adds to its URL is no error
  @ApiOperation({ summary: 'GraphiQL playground (put a key in its headers editor)' })
  @ApiOkResponse({ description: 'the playground page', content: { 'text/html': { schema: { type: 'string' } } } })
  playground(@Res() reply: FastifyReply): void {
    void reply.type('text/html; charset=utf-8').send(PLAYGROUND_PAGE);
  }
}
