import { dayRangeErrors, isDate, parseDatetime } from './values';

describe('days and times of records and queries', () => {
  it('takes every real day from 0001-01-01 to 9999-12-31, the years before 100 included', () => {
    for (const day of ['0001-01-01', '0050-06-15', '0099-12-31', '1900-02-28', '2024-02-29', '9999-12-31']) expect([day, isDate(day)]).toEqual([day, true]);
    expect(dayRangeErrors({ from: '0001-01-01', to: '9999-12-31' })).toEqual([]);
    expect(parseDatetime('0050-06-15T12:00:00Z')).toBe('0050-06-15T12:00:00.000Z');
  });

  it('refuses days that do not exist, and the year 0 PostgreSQL does not have', () => {
    for (const day of ['0000-01-01', '2026-02-29', '2026-13-01', '2026-04-31', '0099-02-29', '2026-1-01']) expect([day, isDate(day)]).toEqual([day, false]);
  });

  it('refuses a date-time whose UTC falls outside 0001-01-01 to 9999-12-31, and takes the edges', () => {
    for (const time of ['9999-12-31T23:30:00-01:00', '0001-01-01T00:30:00+01:00']) expect([time, parseDatetime(time)]).toEqual([time, undefined]);
    expect(parseDatetime('9999-12-31T23:30:00+01:00')).toBe('9999-12-31T22:30:00.000Z');
    expect(parseDatetime('0001-01-01T00:30:00-01:00')).toBe('0001-01-01T01:30:00.000Z');
    expect(parseDatetime('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
  });
});
