import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getOperationAST } from 'graphql';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ErrorCode, GraphqlRequestDto, MAX_ENTITIES_PER_QUERY } from '@tollgate/contracts';
import { ApiException, apiValidationPipe, assertAcceptableBody } from '@tollgate/service-runtime';
import { Authenticated } from '../auth/authenticated.decorator';
import { refuseHead } from '../downstream/safe-methods';
import { Metered } from '../openapi/api-errors';
import { GraphqlChecks } from './graphql-checks';
import { PLAYGROUND_PAGE } from './graphql-playground';
import { graphqlRootFields, parseGraphql } from './graphql-root-fields';
import { QueryForwarding } from './query-forwarding';
import { GraphqlAnswerDoc } from './query-answers.doc';
import { AnyQueryParameters } from '../conventions/undeclared-parameters.guard';

/** The GraphQL-over-HTTP request parameters; a GET carrying any of them is a request, not a visit to the playground. */
const GET_PARAMETERS = ['query', 'variables', 'operationName', 'extensions'] as const;
/** Parameters a GET sends as JSON text. */
const JSON_PARAMETERS = new Set<string>(['variables', 'extensions']);
const validation = apiValidationPipe();

@ApiTags('query')
@Controller('graphql')
export class GraphqlHttpController {
  constructor(
    private readonly forwarding: QueryForwarding,
    private readonly checks: GraphqlChecks,
  ) {}

  @Post()
  @Authenticated({ scopes: ['query'] })
  @Metered('one credit per entity read; introspection 0')
  @ApiOperation({
    summary: 'GraphQL over the records: one root field per entity type the key may read; one credit per entity read, however many fields or aliases read it',
  })
  @ApiOkResponse({ type: GraphqlAnswerDoc })
  async query(
    @Body() body: GraphqlRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.run(body, principal, request, reply);
  }

  /**
   * GraphQL over HTTP lets clients send a query as GET parameters (`query`, `variables` and
   * `extensions` as JSON, `operationName`); such a GET runs as a POST would, mutations excepted
   * (405). A browser (it asks for HTML) or a GET without those parameters gets the playground.
   */
  @Get()
  @Authenticated({ anonymous: true })
  @AnyQueryParameters() // a page, not an API call: whatever a browser adds to its URL is no error
  @Metered('a query: one credit per entity read; introspection and the page 0')
  @ApiOperation({ summary: 'GraphiQL playground (put a key in its headers editor), or a GraphQL query sent as parameters' })
  @ApiQuery({ name: 'query', required: false, type: String, description: 'a GraphQL document: runs it (scope `query`) instead of serving the page, unless the client asks for HTML' })
  @ApiQuery({ name: 'variables', required: false, type: String, description: 'JSON object' })
  @ApiQuery({ name: 'operationName', required: false, type: String })
  @ApiQuery({ name: 'extensions', required: false, type: String, description: 'JSON object; accepted and ignored' })
  @ApiOkResponse({
    description: 'the playground page, or the answer to the query',
    content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: { $ref: '#/components/schemas/GraphqlAnswerDoc' } } },
  })
  async playground(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const params = (request.query ?? {}) as Record<string, unknown>;
    const asksForPage = /\btext\/html\b/.test(request.headers.accept ?? '');
    if (asksForPage || !GET_PARAMETERS.some((name) => name in params)) {
      void reply.type('text/html; charset=utf-8').send(PLAYGROUND_PAGE);
      return;
    }
    refuseHead(request, 'GET, POST');
    if (principal.kind === 'anonymous') throw ApiException.invalidToken();
    // What @Authenticated checks on the POST route: this one also serves the page to anyone.
    if (!principal.scopes.includes('query')) throw ApiException.needsScopes(['query']);
    const body = (await validation.transform(getParameters(params), { type: 'body', metatype: GraphqlRequestDto })) as GraphqlRequestDto;
    const document = parseGraphql(body.query);
    if (getOperationAST(document, body.operationName)?.operation === 'mutation') {
      throw new ApiException(ErrorCode.MethodNotAllowed, 'Mutations are not sent with GET; use POST', { headers: { allow: 'POST' } });
    }
    await this.run(body, principal, request, reply, document);
  }

  private async run(body: GraphqlRequestDto, principal: Principal, request: FastifyRequest, reply: FastifyReply, document = parseGraphql(body.query)): Promise<void> {
    const named = graphqlRootFields(document, body.operationName);
    if (named.length > MAX_ENTITIES_PER_QUERY) {
      throw ApiException.validation([{ field: 'query', message: `at most ${MAX_ENTITIES_PER_QUERY} entity fields per request` }]);
    }
    const downstream = { method: 'POST' as const, path: '/api/v1/graphql', body };
    // Introspection alone reads no entity: it costs 0, and still says what remains. Otherwise one
    // credit per entity that graphql-js will read (skipped fields left out), as a REST query costs
    // one per entity: an alias reading an entity again costs nothing more.
    let entities: string[] = [];
    if (named.length) {
      // A data key asking for an entity outside its list is refused as on every route (403). Any
      // other unknown root field is the schema's to name, as GraphQL clients expect it named
      // ("Cannot query field … Did you mean …?", with its location).
      if (principal.kind === 'data') await this.forwarding.refuseUnservable(principal, [...new Set(named)], String(request.id));
      const checked = await this.checks.check(principal, { document, operationName: body.operationName, variables: body.variables }, String(request.id));
      if (checked.errors.length) throw ApiException.validation(checked.errors);
      entities = [...new Set(checked.entities)];
    }
    await this.forwarding.metered(request, reply, principal, entities, downstream);
  }
}

/** A GET's request parameters as a POST body has them: each given once, JSON ones parsed; any other is unknown. */
function getParameters(params: Record<string, unknown>): Record<string, unknown> {
  const errors = Object.keys(params)
    .filter((name) => !(GET_PARAMETERS as readonly string[]).includes(name))
    .map((name) => ({ field: name, message: `unknown parameter ${name}` }));
  errors.push(...GET_PARAMETERS.filter((name) => Array.isArray(params[name])).map((name) => ({ field: name, message: `${name} must be given once` })));
  if (errors.length) throw ApiException.validation(errors);
  const body: Record<string, unknown> = {};
  for (const name of GET_PARAMETERS) {
    const value = params[name];
    if (value === undefined) continue;
    if (!JSON_PARAMETERS.has(name)) {
      body[name] = value;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(value));
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw ApiException.validation([{ field: name, message: `${name} must be a JSON object` }]);
    body[name] = parsed;
  }
  // What a POST body meets in its parser (nesting, NUL, lone surrogates): 400 before any charge.
  assertAcceptableBody(body);
  return body;
}
