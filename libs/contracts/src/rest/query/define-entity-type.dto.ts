import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { FIELD_TYPES, IDENTIFIER, type FieldType } from '../../events/query/entity-type-defined.v1';

const NAME_RULE = { message: '$property must match ^[a-z][a-z0-9_]*$' };

/**
 * A field's name becomes a column name in the statements that read records, and PostgreSQL cuts
 * those to 63 bytes: a longer one came back shortened in JSON, as another field's name.
 */
export const MAX_FIELD_NAME_LENGTH = 63;

export class EntityFieldDto {
  @ApiProperty({ example: 'due_date', pattern: IDENTIFIER.source, maxLength: MAX_FIELD_NAME_LENGTH })
  @IsString()
  @Matches(IDENTIFIER, NAME_RULE)
  @MaxLength(MAX_FIELD_NAME_LENGTH, { message: `name must be at most ${MAX_FIELD_NAME_LENGTH} characters` })
  name!: string;

  @ApiProperty({ enum: FIELD_TYPES })
  @IsIn(FIELD_TYPES)
  type!: FieldType;
}

/**
 * An entity's name is a path segment (`/api/v1/entities/<name>.csv`), and the services' router
 * answers 404 for a segment over 256 UTF-16 units (`MAX_PATH_PARAMETER` of service-runtime): a
 * name past it could be defined but never read or written. 63 keeps `<name>.json` well within it.
 */
export const MAX_ENTITY_NAME_LENGTH = 63;
/** The most fields of its own an entity type may have, over all the definitions that added them. */
export const MAX_ENTITY_FIELDS = 40;

export class DefineEntityTypeDto {
  @ApiProperty({ example: 'actions', pattern: IDENTIFIER.source, maxLength: MAX_ENTITY_NAME_LENGTH })
  @IsString()
  @Matches(IDENTIFIER, NAME_RULE)
  @MaxLength(MAX_ENTITY_NAME_LENGTH, { message: `name must be at most ${MAX_ENTITY_NAME_LENGTH} characters` })
  name!: string;

  @ApiProperty({ required: false, default: 'id', description: '`id` or one of the fields (string or number)' })
  @IsOptional()
  @IsString()
  @Matches(IDENTIFIER, NAME_RULE)
  primaryKey?: string;

  @ApiProperty({ type: [EntityFieldDto] })
  @ArrayMaxSize(MAX_ENTITY_FIELDS)
  @IsArray() // checked first: an object is no list, not a long one
  @ValidateNested({ each: true, message: 'must be an object {"name","type"}' })
  @Type(() => EntityFieldDto)
  fields!: EntityFieldDto[];
}
