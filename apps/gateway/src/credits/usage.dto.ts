import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsDay } from '@tollgate/contracts';

export class UsageQueryDto {
  @ApiPropertyOptional({ example: '2026-03-01', description: 'First local day (default: 29 days before `to`)' })
  @IsOptional()
  @IsDay()
  from?: string;

  @ApiPropertyOptional({ example: '2026-03-30', description: "Last local day, inclusive (default: today, or the current pool's day if that is later)" })
  @IsOptional()
  @IsDay()
  to?: string;

  @ApiPropertyOptional({ enum: ['day', 'key', 'user', 'entity'], default: 'day' })
  @IsOptional()
  @IsIn(['day', 'key', 'user', 'entity'], { message: 'groupBy must be one of day, key, user, entity' })
  groupBy?: 'day' | 'key' | 'user' | 'entity';
}

export class AuditQueryDto {
  @ApiPropertyOptional({ example: '2026-03-01', description: "The instance's local day (default: the current pool)" })
  @IsOptional()
  @IsDay()
  day?: string;
}
