import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, ValidateNested } from 'class-validator';
import { AsSent } from '../as-sent';
export type BatchAction = 'insert' | 'insertOrUpdate' | 'delete';

export const BATCH_ACTIONS: BatchAction[] = ['insert', 'insertOrUpdate', 'delete'];

export class BatchOperationDto {
  @ApiProperty({ enum: BATCH_ACTIONS })
  @IsIn(BATCH_ACTIONS)
  action!: BatchAction;

  @ApiProperty({ required: false, description: 'must name the entity\'s primary key when given' })
  @IsOptional()
  @IsString()
  primaryKey?: string;

  @ApiProperty({
    type: 'array',
    items: {},
    description:
      'records (insert, insertOrUpdate) or primary key values (delete). A key or `id` is a number or 1 to 512 characters, a responsibility\'s `userId` at most 512 characters; a `title` fits in about 2,500 bytes (UTF-8) beside its key',
  })
  @IsArray()
  @AsSent()
  rows!: unknown[];
}

export class BatchDto {
  @ApiProperty({ required: false, default: false })
  @IsOptional()
  @IsBoolean()
  async?: boolean;

  @ApiProperty({ type: [BatchOperationDto] })
  @ArrayMinSize(1, { message: '$property must not be empty' })
  @IsArray() // checked first (decorators nearest the field register first): not a list says so
  @ValidateNested({ each: true, message: 'must be an object {"action","rows"}' })
  @Type(() => BatchOperationDto)
  operations!: BatchOperationDto[];
}
