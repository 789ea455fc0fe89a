import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { FIELD_TYPES, IDENTIFIER, type FieldType } from '../../events/query/entity-type-defined.v1';

const NAME_RULE = { message: '$property must match ^[a-z][a-z0-9_]*$' };

export class EntityFieldDto {
  @ApiProperty({ example: 'due_date', pattern: IDENTIFIER.source })
  @IsString()
  @Matches(IDENTIFIER, NAME_RULE)
  name!: string;

  @ApiProperty({ enum: FIELD_TYPES })
  @IsIn(FIELD_TYPES)
  type!: FieldType;
}

export class DefineEntityTypeDto {
  @ApiProperty({ example: 'actions', pattern: IDENTIFIER.source })
  @IsString()
  @Matches(IDENTIFIER, NAME_RULE)
  name!: string;

  @ApiProperty({ required: false, default: 'id', description: '`id` or one of the fields (string or number)' })
  @IsOptional()
  @IsString()
  @Matches(IDENTIFIER, NAME_RULE)
  primaryKey?: string;

  @ApiProperty({ type: [EntityFieldDto] })
  @IsArray()
  @ArrayMaxSize(40)
  @ValidateNested({ each: true, message: 'must be an object {"name","type"}' })
  @Type(() => EntityFieldDto)
  fields!: EntityFieldDto[];
}
