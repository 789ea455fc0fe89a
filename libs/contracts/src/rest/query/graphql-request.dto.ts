import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { AsSent } from '../as-sent';

/** A GraphQL request over HTTP (`POST /graphql`): the document, its variables, which operation to run, and extensions. */
export class GraphqlRequestDto {
  @ApiProperty({
    example: '{ actions(limit: 5) { id title } }',
    description: 'the GraphQL document: at most 100,000 characters, nested at most 64 levels (braces, brackets and parentheses together, and once its fragments are put where they are spread)',
  })
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

  /** The protocol's own extension point (GraphQL over HTTP); clients fill it (a client library's name, a persisted query's hash). Nothing here reads it. */
  @ApiProperty({ required: false, type: Object, description: 'accepted and ignored' })
  @IsOptional()
  @IsObject()
  extensions?: Record<string, unknown>;
}
