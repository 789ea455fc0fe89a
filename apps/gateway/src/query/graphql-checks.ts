import { Injectable } from '@nestjs/common';
import { executeSync, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Principal } from '@tollgate/auth';
import type { FieldError } from '@tollgate/contracts';
import { buildSchema, entityArgsErrors, fieldErrorOf, rootFieldsRead, schemaShapeOf, type EntityShape } from '@tollgate/graphql-schema';
import { EntityCatalogue, type KnownEntities } from './entity-catalogue';

export interface GraphqlRequest {
  document: DocumentNode;
  operationName?: string;
  variables?: Record<string, unknown>;
}

/** A root field's arguments the query rules refuse, thrown from a checking resolver. */
class ArgumentsRefused extends Error {
  constructor(readonly errors: FieldError[]) {
    super('arguments refused');
  }
}

/** Schemas kept per caller shape; a busy gateway sees few shapes, so a simple cap will do. */
const MAX_SCHEMAS = 1000;

/**
 * Refuses, before anything is charged, a GraphQL request the query service would refuse: fields
 * its schema does not have, arguments or variables of the wrong type, a limit out of range, a bad
 * day. The schema is the query service's own (`@tollgate/graphql-schema`), built from the entity
 * types the catalogue knows, and run with resolvers that only check their arguments and read
 * nothing. What only the service can find (a timeout, a database error) stays charged and refunded.
 */
@Injectable()
export class GraphqlChecks {
  private readonly schemas = new Map<string, { revision: number; schema: GraphQLSchema }>();

  constructor(private readonly catalogue: EntityCatalogue) {}

  /**
   * What is wrong with the request, or else the entities its root fields read, once each as the
   * query service will run them (`rootFieldsRead`): what it costs.
   */
  async check(principal: Principal, request: GraphqlRequest, requestId: string): Promise<{ errors: FieldError[]; entities: string[] }> {
    let entities: string[] = [];
    const errors = await this.catalogue.check(principal.instanceId, requestId, (known) => {
      const schema = this.schemaFor(principal, known);
      const found = this.find(schema, request);
      if (found.length) return found;
      const read = rootFieldsRead(schema, request);
      if ('errors' in read) return read.errors.map((e) => fieldErrorOf(e));
      entities = read.entities;
      return [];
    });
    return { errors, entities: errors.length ? [] : entities };
  }

  private find(schema: GraphQLSchema, request: GraphqlRequest): FieldError[] {
    const invalid = validate(schema, request.document);
    if (invalid.length) return invalid.map((e) => fieldErrorOf(e));
    const result = executeSync({ schema, document: request.document, operationName: request.operationName, variableValues: request.variables });
    if (!result.errors?.length) return [];
    const refused = result.errors.find((e) => e.originalError instanceof ArgumentsRefused);
    // The rules name the argument; the root field that carries it says where.
    if (refused) return (refused.originalError as ArgumentsRefused).errors.map((e) => ({ ...e, ...fieldErrorOf(refused, e.field), message: e.message }));
    return result.data ? [] : result.errors.map((e) => fieldErrorOf(e));
  }

  private schemaFor(principal: Principal, known: KnownEntities): GraphQLSchema {
    const shape = schemaShapeOf(principal);
    const cached = this.schemas.get(shape.cacheKey);
    if (cached?.revision === known.revision) return cached.schema;
    const types: EntityShape[] = [...known.fields]
      .filter(([name]) => !shape.entities || shape.entities.has(name))
      .map(([name, fields]) => ({ name, fields: [...fields].map(([field, type]) => ({ name: field, type })) }));
    const schema = buildSchema(types, shape, (_entity, args) => {
      const errors = entityArgsErrors(args);
      if (errors.length) throw new ArgumentsRefused(errors);
      return [];
    });
    if (this.schemas.size >= MAX_SCHEMAS) this.schemas.clear();
    this.schemas.set(shape.cacheKey, { revision: known.revision, schema });
    return schema;
  }
}
