import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsDay } from '@tollgate/contracts';

const LIST = /^[a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*$/;
/** JSON bodies (query builder) may use lists, numbers and booleans where a URL has strings. */
const asParameter = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? value.join(',') : typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;

const FIELDS = /^[A-Za-z][A-Za-z0-9_]*(,[A-Za-z][A-Za-z0-9_]*)*$/;

/** The parameters of `GET /api/v1/entities/:name[.ext]` (API.md, Query). Anything else is refused. */
export class EntityQueryParamsDto {
  @ApiPropertyOptional({ example: '2026-01-01', description: "only records created on or after this day, in the instance's time zone" })
  @IsOptional()
  @IsDay()
  from?: string;

  @ApiPropertyOptional({ example: '2026-01-31', description: "only records created on or before this day, in the instance's time zone" })
  @IsOptional()
  @IsDay()
  to?: string;

  @ApiPropertyOptional({ enum: ['created', 'updated', 'alpha'], default: 'created' })
  @IsOptional()
  @IsIn(['created', 'updated', 'alpha'])
  sort?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: string;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'only records the caller holds a responsibility in (personal keys)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  @Transform(asParameter)
  mine?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, example: 100, description: 'max records per entity; default: all' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,8}$/, { message: 'limit must be a whole number from 1 to 999999999' })
  @Transform(asParameter)
  limit?: string;

  @ApiPropertyOptional({ example: 'id,title,status', description: 'comma-separated fields to return; default: all' })
  @IsOptional()
  @Matches(FIELDS, { message: 'display must be a comma-separated list of field names' })
  @Transform(asParameter)
  display?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv', 'xml'], default: 'json', description: 'the URL extension wins' })
  @IsOptional()
  @IsIn(['json', 'csv', 'xml'])
  format?: string;

  @ApiPropertyOptional({ enum: [',', ';', '|', '\t'], default: ',', description: 'CSV only' })
  @IsOptional()
  @IsIn([',', ';', '|', '\t'], { message: 'delimiter must be a comma, a semicolon, | or a tab (%09)' })
  delimiter?: string;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'CSV only: start the file with a UTF-8 byte order mark, so that Excel shows accents right' })
  @IsOptional()
  @IsIn(['true', 'false'])
  @Transform(asParameter)
  bom?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, example: 5000, description: 'ms; lower than the server limit (25 s by default) only' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,8}$/, { message: 'timeout must be a whole number of milliseconds' })
  @Transform(asParameter)
  timeout?: string;
}

export class QueryParamsDto extends EntityQueryParamsDto {
  @ApiProperty({ example: 'actions,graphs', description: 'comma-separated entity names; one credit each' })
  @IsString()
  @Matches(LIST, { message: 'entities must be a comma-separated list of entity names' })
  @Transform(asParameter)
  entities!: string;
}

/** The names a comma-separated parameter lists (`entities`, `display`). */
export function listOf(value: string): string[] {
  return value.split(',').filter(Boolean);
}
