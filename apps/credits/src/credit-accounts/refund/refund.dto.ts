import { IsString, MaxLength, MinLength } from 'class-validator';

export class RefundDto {
  @IsString() @MinLength(1) @MaxLength(200) requestId!: string;
}
