import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { execute, GraphQLError, validate, type GraphQLSchema } from 'graphql';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { GraphqlRequestDto } from '@tollgate/contracts';
import { buildSchema, entityArgsErrors, fieldErrorOf, GRAPHQL_DEFAULT_LIMIT, parseDocument, rootFieldsRead, schemaShapeOf, type EntityArgs } from '@tollgate/graphql-schema';
import { ApiException } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';
import { ENTITY_TYPES_TTL_MS, EntityCatalog } from '../entity-types/entity-catalog';
import type { EntityType } from '../entity-types/entity-type';
import { columnsOf } from '../query/output-columns';
import { parseQuery } from '../query/parse-query';
import { CREDITS_COST_HEADER, CREDITS_REMAINING_HEADER } from '../query/query.http.controller';
import { RecordReader, sharedTimeLimit, SMALL_RESULT } from '../query/record-reader';
import { recordsSql } from '../query/records-sql';

/**
 * What one request's reads share: who asks, which fields stopped at their limit with records left,
 * and their turns and time. graphql-js starts every root field at once; the reads take turns, one
 * at a time, within one time limit, as a REST query of several entities does: a request of 50
 * aliased fields never holds every connection of the pool that all instances' reads share.
 */
interface ReadContext {
  principal: Principal;
  capped: Set<string>;
  /** Settles when the read before this one is done. */
  turn: Promise<void>;
  /** The next read's timeout, within the request's QUERY_TIMEOUT_MS (see sharedTimeLimit). */
  nextTimeout: () => number;
  /**
   * The first read that failed: the request fails with it (every root field is non-null), and
   * graphql-js answers at once, so the reads still waiting their turn are not run at all.
   */
  failed?: unknown;
}

interface CachedSchema {
  schema: GraphQLSchema;
  builtAt: number;
  /** The catalog's count of the instance's definitions when built (`definitionsOf`). */
  definitions: number;
}

/**
 * GraphQL over the instance's records: one root field per readable entity type, the REST query's
 * parameters as arguments, results built whole (at most GRAPHQL_MAX_LIMIT records per field). A
 * request the schema refuses, or an argument the query rules refuse, answers 400 in the documented
 * error shape (so the gateway refunds it); a timeout answers 504.
 */
@Controller('api/v1')
export class GraphqlHttpController {
  private readonly schemas = new Map<string, CachedSchema>();

  constructor(
    private readonly catalog: EntityCatalog,
    private readonly reader: RecordReader,
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
  ) {}

  @Post('graphql')
  @HttpCode(200)
  async graphql(@Body() body: GraphqlRequestDto, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    let document;
    try {
      document = parseDocument(body.query);
    } catch (error) {
      throw ApiException.validation([fieldErrorOf(error as GraphQLError)]);
    }
    const schema = await this.schemaFor(principal);
    const invalid = validate(schema, document);
    if (invalid.length) throw ApiException.validation(invalid.map((e) => fieldErrorOf(e)));
    // What the request reads, refused before anything runs when a record is asked for too much.
    const read = rootFieldsRead(schema, { document, operationName: body.operationName, variables: body.variables });
    if ('errors' in read) throw ApiException.validation(read.errors.map((e) => fieldErrorOf(e)));
    const context: ReadContext = { principal, capped: new Set(), turn: Promise.resolve(), nextTimeout: sharedTimeLimit(this.config.QUERY_TIMEOUT_MS) };
    const result = await execute({ schema, document, variableValues: body.variables, operationName: body.operationName, contextValue: context });
    const causes = result.errors?.map((e) => e.originalError) ?? [];
    const refused = causes.find((e): e is ApiException => e instanceof ApiException);
    if (refused) throw refused;
    // A resolver's own failure (the database's): answered and logged as what it is, never as a
    // request error that would show its SQL.
    const fault = causes.find((e) => e !== undefined && !(e instanceof GraphQLError));
    if (fault) throw fault;
    if (result.errors?.length && !result.data) {
      throw ApiException.validation(result.errors.map((e) => fieldErrorOf(e)));
    }
    // The gateway charged one credit per entity this request read (`rootFieldsRead`, each entity
    // once); a caller that did not come through it is told that count.
    const charged = Number(request.headers[CREDITS_COST_HEADER]);
    const cost = Number.isInteger(charged) ? charged : new Set(read.entities).size;
    const remaining = Number(request.headers[CREDITS_REMAINING_HEADER]);
    // In the answer's order; reads finish in any.
    const capped = Object.keys(result.data ?? {}).filter((key) => context.capped.has(key));
    return { ...result, extensions: { cost, remaining: Number.isInteger(remaining) ? remaining : null, ...(capped.length ? { capped } : {}) } };
  }

  /** The schema for the caller's shape (instance, personal or not, a data key's list); the caller itself comes with each request. */
  private async schemaFor(principal: Principal): Promise<GraphQLSchema> {
    const shape = schemaShapeOf(principal);
    const cached = this.schemas.get(shape.cacheKey);
    // Rebuilt as often as entity types are read again, so a new type or field shows up within the same
    // bound, and at once when it was defined through this process (as the REST query sees it).
    const definitions = this.catalog.definitionsOf(principal.instanceId);
    if (cached && cached.definitions === definitions && Date.now() - cached.builtAt < ENTITY_TYPES_TTL_MS) return cached.schema;
    const types = (await this.catalog.list(principal.instanceId)).filter((t) => !shape.entities || shape.entities.has(t.name));
    const schema = buildSchema<EntityType, ReadContext>(types, shape, (entity, args, context, key, selected) => this.read(context, entity, args, key, selected));
    if (this.schemas.size > 1000) this.schemas.clear();
    this.schemas.set(shape.cacheKey, { schema, builtAt: Date.now(), definitions });
    return schema;
  }

  /**
   * One entity's records, through the same rules and SQL as the REST query. One record more than
   * the limit is read, to tell the client whether the field stopped with records left (`capped`).
   */
  private async read(context: ReadContext, entity: EntityType, args: EntityArgs, key: string, selected: ReadonlySet<string>): Promise<Record<string, unknown>[]> {
    try {
      return await this.readOnce(context, entity, args, key, selected);
    } catch (error) {
      context.failed ??= error;
      throw error;
    }
  }

  private async readOnce(context: ReadContext, entity: EntityType, args: EntityArgs, key: string, selected: ReadonlySet<string>): Promise<Record<string, unknown>[]> {
    const { principal } = context;
    const wrong = entityArgsErrors(args);
    if (wrong.length) throw ApiException.validation(wrong);
    const raw: Record<string, string> = {};
    for (const name of ['from', 'to', 'sort', 'order'] as const) if (args[name] !== undefined && args[name] !== null) raw[name] = String(args[name]);
    // A limit given as null (an optional variable left unset) reads the default, as other null arguments do.
    const limit = args.limit ?? GRAPHQL_DEFAULT_LIMIT;
    raw.limit = String(limit + 1);
    if (args.mine) raw.mine = 'true';
    const parsed = parseQuery(raw, { entity: entity.name, maxTimeoutMs: this.config.QUERY_TIMEOUT_MS });
    if (!parsed.ok) throw ApiException.validation(parsed.errors);
    // Only what the request selects: a large json field left out is never read (`id` always, so a
    // selection of __typename alone still reads one value per record).
    const columns = columnsOf(entity).filter((c) => c.name === 'id' || selected.has(c.name));
    const sql = recordsSql(parsed.plan, { instanceId: principal.instanceId, entity: entity.name, userId: principal.userId, timezone: principal.timezone }, columns, 'json');
    const before = context.turn;
    let done!: () => void;
    context.turn = new Promise((resolve) => (done = resolve));
    let source;
    try {
      await before;
      if (context.failed) throw context.failed;
      // Read in one round trip (at most SMALL_RESULT + 1 rows), never as a stream left open.
      source = await this.reader.open(sql, { instanceId: principal.instanceId, timeoutMs: context.nextTimeout(), expectedRows: Math.min(limit, SMALL_RESULT), prepared: true });
    } finally {
      done();
    }
    if (source.first.length > limit) context.capped.add(key);
    return source.first.slice(0, limit).map((row) => JSON.parse(row[0] as string) as Record<string, unknown>);
  }
}
