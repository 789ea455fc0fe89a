import { IsOptional } from 'class-validator';
import { IsDay } from '@tollgate/contracts';

export class AuditQueryDto {
  @IsOptional()
  @IsDay()
  day?: string;
}
