import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MAX_PATH_PARAMETER } from '@tollgate/service-runtime';

export class DebitDto {
  @IsString() @MinLength(1) @MaxLength(200) requestId!: string;
  /** The request id the client saw, when `requestId` (the charge's idempotency key) differs from it. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200) correlationId?: string;
  @IsInt() @Min(1) @Max(1_000_000) cost!: number;
  // Entity types defined before names were held to 63 characters may have longer ones (up to a path segment).
  @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @MaxLength(MAX_PATH_PARAMETER, { each: true }) entities!: string[];
  @IsOptional() @IsString() @MaxLength(200) keyId?: string;
  @IsOptional() @IsString() @MaxLength(200) userId?: string;
}

export class DebitBatchDto {
  @IsArray()
  @ArrayMinSize(1, { message: '$property must not be empty' })
  @ArrayMaxSize(5000)
  @ValidateNested({ each: true })
  @Type(() => DebitDto)
  debits!: DebitDto[];
}
