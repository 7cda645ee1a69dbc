// The city's calendar: the business day is Zhengzhou's (issue 10 §4), and every publication
// window is right on the 28th to the 31st of every month and on 29 February (issue 10 §5).
// Every date here is fixed: nothing depends on the day the suite runs.
import { afterEach, describe, expect, it } from 'vitest';
import { businessDateOf, businessToday, checkTimeZone, configureClock, endOfBusinessDay, fixedClock, isoDate, TimeZoneError, useClock } from '@credit-graph/contract';
import { ageBand } from '../src/personal-data.ts';
import { dayAfterMonths, PUBLICATION_WINDOWS, publicationWindow, recordStatus } from '../src/publication.ts';
import { assertNotFuture } from '../src/writes.ts';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const SEVERITIES = ['MINOR', 'GENERAL', 'SEVERE'] as const;

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe("the business day is Zhengzhou's day", () => {
  it('is already 1 December in Zhengzhou at 2026-11-30T22:46Z', () => {
    expect(isoDate(businessDateOf(new Date('2026-11-30T22:46:00Z'), 'Asia/Shanghai'))).toBe('2026-12-01');
    expect(isoDate(businessDateOf(new Date('2026-11-30T15:59:59Z'), 'Asia/Shanghai'))).toBe('2026-11-30');
    expect(isoDate(businessDateOf(new Date('2026-11-30T16:00:00Z'), 'Asia/Shanghai'))).toBe('2026-12-01');
  });

  it('accepts a violation that occurred "2026-12-01" at 06:46 on 1 December in Zhengzhou, and refuses 2 December', () => {
    restore = useClock(fixedClock('2026-11-30T22:46:00Z'));
    expect(isoDate(businessToday())).toBe('2026-12-01');
    expect(assertNotFuture('input.occurredOn', day('2026-12-01'))).toEqual(day('2026-12-01'));
    expect(() => assertNotFuture('input.occurredOn', day('2026-12-02'))).toThrow('input.occurredOn: 2026-12-02 is in the future; today is 2026-12-01');
  });

  it('takes the zone from the clock: another zone has another day at the same instant', () => {
    restore = useClock(fixedClock('2026-11-30T22:46:00Z', 'America/New_York'));
    expect(isoDate(businessToday())).toBe('2026-11-30');
  });

  it("reads publication status on Zhengzhou's day: a MINOR record decided 1 September 2026 leaves view at 16:00Z on 30 November", () => {
    const record = { id: 'r', uscc: 'x', severity: 'MINOR' as const, decidedOn: day('2026-09-01') };
    restore = useClock(fixedClock('2026-11-30T15:59:59Z'));
    expect(recordStatus(record, undefined)).toBe('PUBLISHED');
    restore();
    restore = useClock(fixedClock('2026-11-30T16:00:00Z'));
    expect(recordStatus(record, undefined)).toBe('EXPIRED');
  });

  it('ends a business day at midnight in Zhengzhou', () => {
    expect(endOfBusinessDay(day('2026-12-31'), 'Asia/Shanghai').toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('refuses an unknown BUSINESS_TIME_ZONE at start-up, naming the variable', () => {
    expect(() => configureClock({ BUSINESS_TIME_ZONE: 'Asia/Zhengzhou' })).toThrow(TimeZoneError);
    expect(() => configureClock({ BUSINESS_TIME_ZONE: '' })).toThrow(/BUSINESS_TIME_ZONE must be an IANA time zone/);
    expect(checkTimeZone('Asia/Urumqi')).toBe('Asia/Urumqi');
  });
});

// An oracle written independently of the code under test: the window shows a record from the
// decision day through the day before the same day `months` later; when that month has no such
// day, through that month's last day (民法典 art. 202).
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}
function expectedLastDay(decided: Date, months: number): string {
  const total = decided.getUTCFullYear() * 12 + decided.getUTCMonth() + months;
  const [year, month] = [Math.floor(total / 12), total % 12];
  const dayOfMonth = decided.getUTCDate();
  if (dayOfMonth > daysInMonth(year, month)) return isoDate(new Date(Date.UTC(year, month, daysInMonth(year, month))));
  return isoDate(new Date(Date.UTC(year, month, dayOfMonth - 1)));
}
function expectedFirstDayAfter(decided: Date, months: number): string {
  const last = day(expectedLastDay(decided, months));
  return isoDate(new Date(last.getTime() + 86_400_000));
}

/** Every day from the 28th to the 31st of every month of a common year (2027) and a leap year (2028). */
const MONTH_END_DAYS = [2027, 2028].flatMap((year) =>
  Array.from({ length: 12 }, (_, month) => [28, 29, 30, 31].filter((d) => d <= daysInMonth(year, month)).map((d) => isoDate(new Date(Date.UTC(year, month, d))))).flat(),
);

describe('month ends', () => {
  it('keeps a MINOR record decided on 31 August in view through 30 November (not 29 November)', () => {
    const record = { id: 'r', uscc: 'x', severity: 'MINOR' as const, decidedOn: day('2026-08-31') };
    expect(publicationWindow('MINOR', day('2026-08-31')).publishedUntil).toEqual(day('2026-11-30'));
    expect(recordStatus(record, undefined, day('2026-11-30'))).toBe('PUBLISHED');
    expect(recordStatus(record, undefined, day('2026-12-01'))).toBe('EXPIRED');
  });

  it('ends windows from 29 February on the last day of February in a common year', () => {
    expect(publicationWindow('GENERAL', day('2028-02-29')).publishedUntil).toEqual(day('2029-02-28'));
    expect(publicationWindow('GENERAL', day('2028-02-28')).publishedUntil).toEqual(day('2029-02-27'));
    expect(publicationWindow('SEVERE', day('2028-02-29')).repairableFrom).toEqual(day('2029-03-01'));
    expect(publicationWindow('MINOR', day('2027-11-29')).publishedUntil).toEqual(day('2028-02-28'));
    expect(publicationWindow('MINOR', day('2027-11-30')).publishedUntil).toEqual(day('2028-02-29'));
    expect(dayAfterMonths(day('2026-11-30'), 3)).toEqual(day('2027-03-01'));
  });

  it('covers the 28th to the 31st of every month of 2027 and 2028 with a table', () => {
    expect(MONTH_END_DAYS).toHaveLength(2 * (12 * 4 - 7) + 1); // 41 in 2027, 42 in 2028
  });

  it.each(MONTH_END_DAYS.flatMap((decided) => SEVERITIES.map((severity) => [severity, decided] as const)))(
    '%s decided %s: in view through the last day of its months, archived the day after, repairable after its minimum',
    (severity, decided) => {
      const { maximumMonths, minimumMonths } = PUBLICATION_WINDOWS[severity];
      const window = publicationWindow(severity, day(decided));
      const lastDay = expectedLastDay(day(decided), maximumMonths);
      expect(isoDate(window.publishedFrom)).toBe(decided);
      expect(isoDate(window.publishedUntil)).toBe(lastDay);
      expect(isoDate(window.repairableFrom)).toBe(minimumMonths === 0 ? decided : expectedFirstDayAfter(day(decided), minimumMonths));
      const record = { id: 'r', uscc: 'x', severity, decidedOn: day(decided) };
      expect(recordStatus(record, undefined, day(decided))).toBe('PUBLISHED');
      expect(recordStatus(record, undefined, day(lastDay))).toBe('PUBLISHED');
      expect(recordStatus(record, undefined, new Date(day(lastDay).getTime() + 86_400_000))).toBe('EXPIRED');
      // A later decision never leaves view earlier than an earlier one.
      const dayBefore = new Date(day(decided).getTime() - 86_400_000);
      expect(publicationWindow(severity, dayBefore).publishedUntil.getTime()).toBeLessThanOrEqual(window.publishedUntil.getTime());
    },
  );

  it('gives age bands on 29 February and the day before a birthday', () => {
    expect(ageBand(day('2000-02-29'), day('2025-02-28'))).toBe('AGE_18_25'); // 24: the birthday is 1 March
    expect(ageBand(day('2000-02-29'), day('2026-03-01'))).toBe('AGE_26_35');
    expect(ageBand(day('2000-02-29'), day('2028-02-29'))).toBe('AGE_26_35');
  });
});
