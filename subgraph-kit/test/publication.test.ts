// Publication windows at their boundaries: the last day a record is in view, the first day it
// is archived, and the first day it can be repaired, for each severity.
import { describe, expect, it } from 'vitest';
import { testCaller } from '../src/testing.ts';
import { addMonths, publicationWindow, recordStatus, recordVisible, sectorSignals } from '../src/publication.ts';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const record = (severity: 'MINOR' | 'GENERAL' | 'SEVERE', decidedOn: string) => ({ id: 'r1', uscc: 'x', severity, decidedOn: day(decidedOn) });

describe('publication windows', () => {
  it.each([
    // severity, decided, last day in view, first day archived, first repairable day
    ['MINOR', '2026-01-15', '2026-04-14', '2026-04-15', '2026-01-15'],
    ['GENERAL', '2026-01-15', '2027-01-14', '2027-01-15', '2026-04-15'],
    ['SEVERE', '2026-01-15', '2029-01-14', '2029-01-15', '2027-01-15'],
  ] as const)('%s decided %s: in view through %s, archived from %s, repairable from %s', (severity, decided, lastDay, archived, repairable) => {
    const window = publicationWindow(severity, day(decided));
    expect(window.publishedUntil).toEqual(day(lastDay));
    expect(window.repairableFrom).toEqual(day(repairable));
    expect(recordStatus(record(severity, decided), undefined, day(lastDay))).toBe('PUBLISHED');
    expect(recordStatus(record(severity, decided), undefined, day(archived))).toBe('EXPIRED');
  });

  it('ends a month-end window on the last day of a shorter month, not in the month after', () => {
    expect(addMonths(day('2026-01-31'), 1)).toEqual(day('2026-02-28'));
    expect(addMonths(day('2024-01-31'), 1)).toEqual(day('2024-02-29'));
    // 30 November + 3 months: February has no 30th, so the window ends on its last day (民法典 art. 202).
    expect(publicationWindow('MINOR', day('2025-11-30')).publishedUntil).toEqual(day('2026-02-28'));
  });

  it('lets a decision outrank the window, and an open objection mark a record still in view', () => {
    const published = record('GENERAL', '2026-06-01');
    const today = day('2026-07-01');
    expect(recordStatus(published, 'UNDER_OBJECTION', today)).toBe('UNDER_OBJECTION');
    expect(recordStatus(published, 'REVOKED', today)).toBe('REVOKED');
    expect(recordStatus(published, 'REPAIRED', today)).toBe('REPAIRED');
    // Past its window, an objection no longer keeps a record in view.
    expect(recordStatus(published, 'UNDER_OBJECTION', day('2027-06-01'))).toBe('EXPIRED');
  });

  it('shows archived records to regulators only, and revoked ones to nobody', () => {
    const regulator = testCaller('REGULATOR');
    const bank = testCaller('BANK');
    expect(recordVisible('EXPIRED', regulator)).toBe(true);
    expect(recordVisible('REPAIRED', regulator)).toBe(true);
    expect(recordVisible('EXPIRED', bank)).toBe(false);
    expect(recordVisible('UNDER_OBJECTION', bank)).toBe(true);
    expect(recordVisible('REVOKED', regulator)).toBe(false);
  });

  it('counts in the signals only the records in public view', () => {
    const today = day('2026-11-27');
    const rows = [
      { id: 'a', uscc: 'x', severity: 'SEVERE' as const, decidedOn: day('2026-10-01') },
      { id: 'b', uscc: 'x', severity: 'GENERAL' as const, decidedOn: day('2026-10-01') },
      { id: 'c', uscc: 'x', severity: 'GENERAL' as const, decidedOn: day('2024-10-01') }, // expired
      { id: 'd', uscc: 'x', severity: 'MINOR' as const, decidedOn: day('2026-11-01') },
    ];
    const states = new Map([['environment:d', 'REVOKED' as const]]);
    expect(sectorSignals('BLUE', rows, states, 'environment', today)).toEqual({ grade: 'BLUE', minorRecords: 0, generalRecords: 1, severeRecords: 1 });
  });
});
