import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { AsSent } from '../as-sent';

/** A GraphQL request over HTTP (`POST /graphql`): the document, its variables and which operation to run. */
export class GraphqlRequestDto {
  @ApiProperty({ example: '{ actions(limit: 5) { id title } }' })
  @IsString()
  @MinLength(1)
  @MaxLength(100_000)
  query!: string;

  @ApiProperty({ required: false, type: Object })
  @IsOptional()
  @IsObject()
  @AsSent()
  variables?: Record<string, unknown>;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  operationName?: string;
}
