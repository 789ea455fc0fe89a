import { ValidateBy } from 'class-validator';
import { isDate } from './query/values';

/**
 * A day of the calendar written YYYY-MM-DD, by the rule every service applies (`isDate`):
 * 0001-01-01 and 9999-12-31 are days (open-ended bounds), 2026-02-30 is not, and is a 400 rather
 * than a day looked for.
 */
export function IsDay(): PropertyDecorator {
  return (target, property) =>
    ValidateBy({ name: 'isDay', validator: { validate: (value) => isDate(value), defaultMessage: () => `${String(property)} must be a date YYYY-MM-DD` } })(target, property);
}
