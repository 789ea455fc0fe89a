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

/** The day after `day` (YYYY-MM-DD), on the calendar alone. */
export function nextDay(day: string): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ days: 1 }).toISODate()!;
}

/**
 * When a pool of `day` ends once the instance runs in `timezone`: at the end of its own day there,
 * or of the zone's today if that is later. A move to a zone behind the pool's (Kiritimati to Fiji)
 * keeps the pool until its day is over there too; ending it at the zone's first midnight would
 * start a pool of the same day again.
 */
export function poolEndsAt(day: string, at: Date, timezone: string): Date {
  const today = localDay(at, timezone);
  return endOfLocalDay(today > day ? today : day, timezone);
}

/** Whole seconds from `now` until `until`, at least 1 (for Retry-After). */
export function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}
