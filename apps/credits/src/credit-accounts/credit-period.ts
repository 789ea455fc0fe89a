import { DateTime, IANAZone } from 'luxon';

/** True for an IANA zone name the runtime knows (`Europe/Paris`, `UTC`). */
export function isValidTimezone(timezone: string): boolean {
  if (!IANAZone.isValidZone(timezone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar day (YYYY-MM-DD) `at` falls on in the zone. */
export function localDay(at: Date, timezone: string): string {
  return DateTime.fromJSDate(at, { zone: timezone }).toISODate()!;
}

/** The instant the day after `day` starts in the zone: local midnight, whatever DST does that night. */
export function endOfLocalDay(day: string, timezone: string): Date {
  return DateTime.fromISO(day, { zone: timezone }).plus({ days: 1 }).startOf('day').toJSDate();
}

/** Whole seconds from `now` until `until`, at least 1 (for Retry-After). */
export function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}
