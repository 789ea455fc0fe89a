import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

export class UsageQueryDto {
  @ApiPropertyOptional({ example: '2026-03-01', description: 'First local day (default: 29 days before `to`)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-03-30', description: 'Last local day, inclusive (default: today)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ enum: ['day', 'key', 'user', 'entity'], default: 'day' })
  @IsOptional()
  @IsIn(['day', 'key', 'user', 'entity'], { message: 'groupBy must be one of day, key, user, entity' })
  groupBy?: 'day' | 'key' | 'user' | 'entity';
}

export class AuditQueryDto {
  @ApiPropertyOptional({ example: '2026-03-01', description: "The instance's local day (default: the current pool)" })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'day must be a date YYYY-MM-DD' })
  day?: string;
}
