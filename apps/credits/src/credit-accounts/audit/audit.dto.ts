import { IsOptional, ValidateBy } from 'class-validator';
import { isDate } from '@tollgate/contracts';

export class AuditQueryDto {
  @IsOptional()
  @ValidateBy({ name: 'isDay', validator: { validate: (value) => isDate(value), defaultMessage: () => 'day must be a date YYYY-MM-DD' } })
  day?: string;
}
