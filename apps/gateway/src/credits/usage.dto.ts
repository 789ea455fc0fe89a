import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, ValidateBy } from 'class-validator';
import { isDate } from '@tollgate/contracts';

/** A day of the calendar written YYYY-MM-DD: 2026-02-30 is refused as 400, not looked for. */
const IsDay = (field: string) =>
  ValidateBy({ name: 'isDay', validator: { validate: (value) => isDate(value), defaultMessage: () => `${field} must be a date YYYY-MM-DD` } });

export class UsageQueryDto {
  @ApiPropertyOptional({ example: '2026-03-01', description: 'First local day (default: 29 days before `to`)' })
  @IsOptional()
  @IsDay('from')
  from?: string;

  @ApiPropertyOptional({ example: '2026-03-30', description: "Last local day, inclusive (default: today, or the current pool's day if that is later)" })
  @IsOptional()
  @IsDay('to')
  to?: string;

  @ApiPropertyOptional({ enum: ['day', 'key', 'user', 'entity'], default: 'day' })
  @IsOptional()
  @IsIn(['day', 'key', 'user', 'entity'], { message: 'groupBy must be one of day, key, user, entity' })
  groupBy?: 'day' | 'key' | 'user' | 'entity';
}

export class AuditQueryDto {
  @ApiPropertyOptional({ example: '2026-03-01', description: "The instance's local day (default: the current pool)" })
  @IsOptional()
  @IsDay('day')
  day?: string;
}
