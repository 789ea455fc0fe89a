import { IsOptional, Matches } from 'class-validator';

export class AuditQueryDto {
  @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'day must be a date YYYY-MM-DD' }) day?: string;
}
