import { IsISO8601, Matches } from 'class-validator';

/** A moment written as API.md writes times: `2027-01-01T00:00:00.000Z`, or with an offset `+02:00`. */
export const INSTANT = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A date and time in API.md's form, and a real one. ISO 8601 also allows compact and week forms
 * (`20270101T000000Z`, `2027-W01`) that JavaScript's Date cannot read; those are refused here.
 */
export function IsInstant(): PropertyDecorator {
  return (target, property) => {
    Matches(INSTANT, { message: `${String(property)} must be a date and time like 2027-01-01T00:00:00Z` })(target, property);
    IsISO8601({ strict: true })(target, property);
  };
}
