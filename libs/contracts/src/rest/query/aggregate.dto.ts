import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export const AGGREGATES = ['sum', 'avg', 'min', 'max', 'count', 'count_distinct'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const OPERATORS = ['=', '!=', '>', '>=', '<', '<=', 'in', 'contains'] as const;
export type Operator = (typeof OPERATORS)[number];
export const AGGREGATE_MAX_ROWS = 20_000;

/** An optional field sent as null (as clients generated from the API description send them) is one not sent. */
const nullIsAbsent = () => Transform(({ value }: { value: unknown }) => value ?? undefined);

export class SelectDto {
  @ApiProperty() @IsString() name!: string;
  @ApiProperty({ required: false, enum: AGGREGATES, nullable: true }) @nullIsAbsent() @IsOptional() @IsIn(AGGREGATES) agg?: Aggregate;
}

export class WhereDto {
  @ApiProperty() @IsString() name!: string;
  @ApiProperty({ enum: OPERATORS }) @IsIn(OPERATORS) op!: Operator;
  @ApiProperty({
    description: 'a value of the field\'s type (a day or an ISO 8601 time as a string); a list of them for `in`; null with `=` (no value) or `!=` (any value)',
    oneOf: [{ type: 'string', nullable: true }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } }],
  })
  @ValidateIf((where: WhereDto) => where.value !== null)
  @IsDefined()
  value!: unknown;
}

export class OrderByDto {
  @ApiProperty({ description: 'an output column: a field, or `<field>_<agg>`' }) @IsString() name!: string;
  @ApiProperty({ required: false, enum: ['asc', 'desc'], default: 'asc', nullable: true }) @nullIsAbsent() @IsOptional() @IsIn(['asc', 'desc']) direction?: 'asc' | 'desc';
}

export class AggregateDto {
  @ApiProperty({ type: [SelectDto] })
  @ArrayMinSize(1, { message: '$property must not be empty' })
  @ArrayMaxSize(50)
  @IsArray() // checked first (decorators nearest the field register first): a word or an object is no list, not a long one
  @ValidateNested({ each: true, message: 'must be an object {"name","agg"?}' })
  @Type(() => SelectDto)
  select!: SelectDto[];

  @ApiProperty({ required: false, type: [String] })
  @IsOptional()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @IsArray()
  group_by?: string[];

  @ApiProperty({ required: false, type: [WhereDto] })
  @IsOptional()
  @ArrayMaxSize(50)
  @IsArray()
  @ValidateNested({ each: true, message: 'must be an object {"name","op","value"}' })
  @Type(() => WhereDto)
  where?: WhereDto[];

  @ApiProperty({ required: false, type: [OrderByDto], description: 'output columns to sort by; then groups by their group_by fields, ascending, and plain rows newest first' })
  @IsOptional()
  @ArrayMaxSize(20)
  @IsArray()
  @ValidateNested({ each: true, message: 'must be an object {"name","direction"?}' })
  @Type(() => OrderByDto)
  order_by?: OrderByDto[];

  // A larger limit is not refused: the answer holds at most AGGREGATE_MAX_ROWS rows, `capped` when cut.
  @ApiProperty({ required: false, type: 'integer', minimum: 1, description: `at most ${AGGREGATE_MAX_ROWS} rows are answered whatever the limit` })
  @IsOptional()
  @Min(1)
  @IsInt() // checked first: a list or a word is no number, not a large one
  limit?: number;

  @ApiProperty({ required: false, default: false })
  @IsOptional()
  @IsBoolean()
  only_headers?: boolean;
}
