// A sector's evaluation input (no registry state applied) and the registry's counting of it:
// the same signals the sector's own readers get, whichever of the two applies the states.
import { describe, expect, it } from 'vitest';
import { countedSignals, evaluationInput, sectorSignals, type RecordStatus } from '../src/publication.ts';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const today = day('2026-11-27');
const VIOLATION = { source: 'environment' as const, kind: 'EnvironmentalViolation' };
const rows = [
  { id: 'a', uscc: 'x', severity: 'SEVERE' as const, decidedOn: day('2026-10-01') },
  { id: 'b', uscc: 'x', severity: 'GENERAL' as const, decidedOn: day('2026-10-01') },
  { id: 'c', uscc: 'x', severity: 'GENERAL' as const, decidedOn: day('2024-10-01') }, // past its window
  { id: 'd', uscc: 'x', severity: 'MINOR' as const, decidedOn: day('2026-11-01') },
  { id: 'e', uscc: 'x', severity: 'MINOR' as const, decidedOn: day('2026-11-02') },
];

describe('sector evaluation input', () => {
  it('hands in every record still in its window, keyed for the registry and with its kind, with no state applied', () => {
    const input = evaluationInput('BLUE', rows, VIOLATION, [], today);
    expect(input).toEqual({
      grade: 'BLUE',
      gradeWithheldBy: [],
      records: [
        { kind: 'EnvironmentalViolation', key: 'environment:a', severity: 'SEVERE', decidedOn: day('2026-10-01') },
        { kind: 'EnvironmentalViolation', key: 'environment:b', severity: 'GENERAL', decidedOn: day('2026-10-01') },
        { kind: 'EnvironmentalViolation', key: 'environment:d', severity: 'MINOR', decidedOn: day('2026-11-01') },
        { kind: 'EnvironmentalViolation', key: 'environment:e', severity: 'MINOR', decidedOn: day('2026-11-02') },
      ],
    });
  });

  it('counts, once the registry states are applied, exactly what the sector signals count', () => {
    const states = new Map<string, RecordStatus>([
      ['environment:a', 'UNDER_OBJECTION'],
      ['environment:d', 'REVOKED'],
      ['environment:e', 'REPAIRED'],
    ]);
    const counted = countedSignals(evaluationInput('BLUE', rows, VIOLATION, [], today), states, today);
    expect(counted).toEqual({ grade: 'BLUE', minorRecords: 0, generalRecords: 1, severeRecords: 1 });
    expect(counted).toEqual(sectorSignals('BLUE', rows, states, 'environment', today));
  });

  it('tells mixed kinds apart by row', () => {
    const input = evaluationInput('BLUE', rows.slice(0, 2), (row) => ({ source: 'housekeeping', kind: row.severity === 'SEVERE' ? 'ElderlyCarePenalty' : 'HousekeepingComplaint' }), [], today);
    expect(input.records.map((record) => [record.key, record.kind])).toEqual([
      ['housekeeping:a', 'ElderlyCarePenalty'],
      ['housekeeping:b', 'HousekeepingComplaint'],
    ]);
  });

  it('withholds the grade while a withholding record stands, and gives it back once that record is revoked', () => {
    const input = evaluationInput('4', [], { source: 'housekeeping', kind: 'ElderlyCarePenalty' }, ['housekeeping:p1'], today);
    expect(countedSignals(input, new Map(), today).grade).toBeNull();
    expect(countedSignals(input, new Map([['housekeeping:p1', 'UNDER_OBJECTION' as const]]), today).grade).toBeNull();
    expect(countedSignals(input, new Map([['housekeeping:p1', 'REVOKED' as const]]), today).grade).toBe('4');
  });
});
