import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { EntityFieldDto, FIELD_TYPES } from '@tollgate/contracts';
import { FieldErrorDoc } from '../openapi/api-errors';

/** The answers of the query routes, as the OpenAPI document describes them to client generators. */

/** A field as stored; the built-in `createdAt` and `updatedAt` are listed too, outside the naming rule. */
export class EntityFieldDoc {
  @ApiProperty({ example: 'due_date' }) name!: string;
  @ApiProperty({ enum: FIELD_TYPES }) type!: string;
}

export class EntityTypeDoc {
  @ApiProperty({ example: 'actions' }) name!: string;
  @ApiProperty({ example: 'id' }) primaryKey!: string;
  @ApiProperty({ type: [EntityFieldDoc], description: 'its own fields, and `id`, `title`, `createdAt`, `updatedAt` every record has' })
  fields!: EntityFieldDoc[];
  @ApiProperty({ example: 3000 }) recordCount!: number;
}

export class EntityListDoc {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ type: [EntityTypeDoc] }) entities!: EntityTypeDoc[];
}

export class DefinedEntityTypeDoc {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ example: 'actions' }) name!: string;
  @ApiProperty({ example: 'id' }) primaryKey!: string;
  @ApiProperty({ type: [EntityFieldDto] }) fields!: EntityFieldDto[];
}

export class BatchCountsDoc {
  @ApiProperty({ example: 10 }) inserted!: number;
  @ApiProperty({
    example: 0,
    description: 'records an `insertOrUpdate` changed; a row that would change nothing leaves its record (and its `updatedAt`) as it is and is not counted',
  })
  updated!: number;
  @ApiProperty({ example: 0 }) deleted!: number;
}

export class BatchDoneDoc extends BatchCountsDoc {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

export class BatchAcceptedDoc {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ example: 'task_5f0c…' }) taskId!: string;
}

export class TaskDoc {
  @ApiProperty({ enum: ['pending', 'ok', 'error'] }) status!: string;
  @ApiProperty() taskId!: string;
  @ApiProperty({ example: 'actions' }) entity!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ format: 'date-time' }) finishedAt?: string;
  @ApiPropertyOptional({ type: BatchCountsDoc, description: 'when `ok`' }) result?: BatchCountsDoc;
  @ApiPropertyOptional({ description: 'when `error`' }) message?: string;
  @ApiPropertyOptional({ type: [FieldErrorDoc], description: 'when `error`: each bad row field' }) errors?: FieldErrorDoc[];
}

export class TaskListDoc {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ type: [TaskDoc], description: 'newest first' }) tasks!: TaskDoc[];
  @ApiPropertyOptional({ description: 'when older tasks are left: `before` for the next page' }) next?: string;
}

export class AggregateColumnDoc {
  @ApiProperty({ example: 'id_count' }) name!: string;
  @ApiProperty({ enum: FIELD_TYPES }) type!: string;
}

export class AggregateAnswerDoc {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ type: [AggregateColumnDoc] }) columns!: AggregateColumnDoc[];
  @ApiPropertyOptional({
    type: 'array',
    items: {
      type: 'array',
      items: {
        anyOf: [{ type: 'string', nullable: true }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: {} }, { type: 'object', additionalProperties: true }],
      },
    },
    description: 'one array per row, values in the order of `columns` (a `json` column\'s as stored); absent with `only_headers`',
    example: [['open', 750]],
  })
  rows?: unknown[][];
  @ApiPropertyOptional({
    description: 'true when more rows matched than `rows` holds: cut by `limit`, or by the 20,000-row cap when there is none; absent with `only_headers`',
  })
  capped?: boolean;
}

class CostDoc {
  @ApiProperty({ example: 1 }) cost!: number;
  @ApiProperty({ example: 9999 }) remaining!: number;
}

/** A record: `id`, `title`, `createdAt`, `updatedAt`, maybe `responsibilities`, and its entity's own fields. */
const RECORD = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    responsibilities: {
      type: 'array',
      items: { type: 'object', properties: { userId: { type: 'string' }, role: { type: 'string' } } },
    },
  },
  additionalProperties: true,
};

export class QueryAnswerDoc {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: RECORD }, description: 'records by entity name' })
  data!: Record<string, unknown[]>;
  @ApiProperty({ type: CostDoc }) meta!: CostDoc;
}

/** JSON, CSV or XML by extension or `format`, streamed. */
export const QUERY_ANSWER_CONTENT = {
  'application/json': { schema: { $ref: getSchemaPath(QueryAnswerDoc) } },
  'text/csv': { schema: { type: 'string', description: 'RFC 4180, a header row; an `entity` column first when several entities are asked' } },
  'application/xml': { schema: { type: 'string', description: 'one element per entity and per record' } },
};

class GraphqlExtensionsDoc extends CostDoc {
  @ApiPropertyOptional({
    type: [String],
    example: ['actions'],
    description: 'the fields (by response key) that stopped at their limit with records left; absent when none did',
  })
  capped?: string[];
}

export class GraphqlAnswerDoc {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'one field per root field asked' })
  data?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'GraphQL errors' })
  errors?: unknown[];
  @ApiProperty({ type: GraphqlExtensionsDoc }) extensions!: GraphqlExtensionsDoc;
}
