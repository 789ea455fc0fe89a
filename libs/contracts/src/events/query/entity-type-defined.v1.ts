import { Type } from 'class-transformer';
import { IsArray, IsIn, IsString, Matches, ValidateNested } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export const FIELD_TYPES = ['string', 'number', 'boolean', 'date', 'datetime', 'json'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

export class EntityFieldV1 {
  @IsString() @Matches(IDENTIFIER) name!: string;
  @IsIn(FIELD_TYPES) type!: FieldType;
}

export class EntityTypeDefinedV1 {
  @IsString() @Matches(IDENTIFIER) entity!: string;
  @IsString() primaryKey!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => EntityFieldV1) fields!: EntityFieldV1[];
}

export const EntityTypeDefined = defineEvent('EntityTypeDefined', 1, TOPICS.query, EntityTypeDefinedV1);
