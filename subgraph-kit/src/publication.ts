// Negative records: how long each is published, who sees it, and what the evaluation counts.
// Every subgraph that keeps negative records (the sectors, and the registry for penalties and
// commitment breaches) shows them through these functions, so the rules live here once.
//
// The status is computed at read time from the decision date, the severity and the registry's
// lifecycle state (objection, revocation, repair) that the planner fetches for the enterprise
// through `@requires(fields: "creditRecordStates { key state }")`. No job has to run for a
// record to leave public view at the end of its window.
import { businessToday, daysAfter, isoDate, recordKey, SEALED_KEY_PREFIX, type Caller, type RecordSource, type Severity } from '@credit-graph/contract';
import type { RecordReferences } from './references.ts';

export type RecordStatus = 'PUBLISHED' | 'UNDER_OBJECTION' | 'EXPIRED' | 'REPAIRED' | 'REVOKED';

/**
 * Publication windows in months (信用修复管理办法, in force 2026-04-01): minimum before a repair
 * can end publication, maximum after which the record leaves view by itself.
 */
export const PUBLICATION_WINDOWS: Record<Severity, { minimumMonths: number; maximumMonths: number }> = {
  MINOR: { minimumMonths: 0, maximumMonths: 3 },
  GENERAL: { minimumMonths: 3, maximumMonths: 12 },
  SEVERE: { minimumMonths: 12, maximumMonths: 36 },
};

/** What a negative record row must carry, whatever its sector. */
export interface NegativeRecordRow {
  id: string;
  uscc: string;
  severity: Severity;
  /** The decision (or reporting) date: the window runs from it. */
  decidedOn: Date;
}

/** A state the registry keeps for a record; a record without one is as its sector reported it. */
export interface CreditRecordState {
  key: string;
  state: RecordStatus;
}

/** The states an entity representation carries (`creditRecordStates`, required from the registry). */
export type RecordStates = Pick<ReadonlyMap<string, RecordStatus>, 'get'>;

/** The enterprise as the planner sends it to a sector: its key and the registry's record states. */
export interface EnterpriseRepresentation {
  uscc: string;
  creditRecordStates?: readonly CreditRecordState[] | null;
}

/**
 * The states in an entity representation, looked up by record key. The registry shows the state
 * of a record this caller may not see under its sealed key (see sealRecordKey in the contract);
 * such a state is found here all the same, so counts and public signals do not depend on the caller.
 */
export function recordStatesOf(enterprise: EnterpriseRepresentation, references: Pick<RecordReferences, 'sealings'>): RecordStates {
  const entries = enterprise.creditRecordStates ?? [];
  const states = new Map(entries.map((entry) => [entry.key, entry.state]));
  if (!entries.some((entry) => entry.key.startsWith(SEALED_KEY_PREFIX))) return states;
  const sealed = (key: string) => references.sealings(key).map((form) => states.get(form)).find((state) => state !== undefined);
  return { get: (key: string) => states.get(key) ?? sealed(key) };
}

/** A sector's row for the enterprise, carrying the record states down to its negative records. */
export function withRecordStates<Row extends object>(
  row: Row | null,
  enterprise: EnterpriseRepresentation,
  references: Pick<RecordReferences, 'sealings'>,
): (Row & { states: RecordStates }) | null {
  return row && { ...row, states: recordStatesOf(enterprise, references) };
}

/**
 * `date` plus `months` calendar months, clamped to the end of a shorter month (31 January + 1
 * month = 28 or 29 February). For limits ("a term of at most 5 years"), not for windows.
 * Calendar arithmetic in UTC, whatever the process's own time zone, on Date.UTC: the same
 * answers as date-fns' addMonths in a UTC TZDate, whose Intl offset lookups were the top
 * JavaScript function of a CPU profile of `npm start` answering portfolios of 500.
 */
export function addMonths(date: Date, months: number): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  // Day 0 of the month after: the last day of the target month (Date.UTC carries over years).
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(date.getUTCDate(), lastDay), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()));
}

/**
 * The first day after a period of `months` months that starts on, and counts, `date`. That is
 * the same day of the month `months` later; when that month has no such day, the period ends on
 * its last day (民法典 art. 202), so the next period starts on the 1st of the month after.
 * Examples: 15 Jan + 3 -> 15 Apr; 31 Aug + 3 -> 1 Dec; 30 Nov 2026 + 3 -> 1 Mar 2027;
 * 29 Feb 2028 + 12 -> 1 Mar 2029. Dates are UTC midnights; the result is one too.
 */
export function dayAfterMonths(date: Date, months: number): Date {
  const same = addMonths(date, months);
  return same.getUTCDate() === date.getUTCDate() ? same : daysAfter(same, 1);
}

/**
 * A record's window (信用修复管理办法 2026: MINOR at most 3 months, GENERAL 3 to 12, SEVERE 12
 * to 36). The decision day is the first day in view; the window is whole calendar months:
 * decided 15 January, a 3-month window shows it through 14 April; decided 31 August, through
 * 30 November (November has no 31st: the window ends on its last day, 民法典 art. 202); decided
 * 30 November 2026, through 28 February 2027. Repair is possible from the first day after the
 * minimum period (the decision day itself when the minimum is 0). All dates are UTC midnights.
 */
export function publicationWindow(severity: Severity, decidedOn: Date) {
  const window = PUBLICATION_WINDOWS[severity];
  return {
    publishedFrom: decidedOn,
    publishedUntil: daysAfter(dayAfterMonths(decidedOn, window.maximumMonths), -1),
    repairableFrom: dayAfterMonths(decidedOn, window.minimumMonths),
  };
}

/** The record's status on the business day `today` (Zhengzhou's date, as a UTC midnight). */
export function recordStatus(record: NegativeRecordRow, state: RecordStatus | undefined, today = businessToday()): RecordStatus {
  // A decision (revocation, repair) ends publication whatever the window says.
  if (state === 'REVOKED' || state === 'REPAIRED') return state;
  if (today > publicationWindow(record.severity, record.decidedOn).publishedUntil) return 'EXPIRED';
  return state === 'UNDER_OBJECTION' ? 'UNDER_OBJECTION' : 'PUBLISHED';
}

/** Public view: published records, marked when under objection. Archived ones: regulators only. */
export function recordVisible(status: RecordStatus, caller: Caller): boolean {
  if (status === 'REVOKED') return false;
  if (status === 'PUBLISHED' || status === 'UNDER_OBJECTION') return true;
  return caller.role === 'REGULATOR';
}

/** Counts against the enterprise (evaluation, signals): what the public sees. */
export function recordCounts(status: RecordStatus): boolean {
  return status === 'PUBLISHED' || status === 'UNDER_OBJECTION';
}

/** A record as returned to GraphQL: the row plus its `publication` field. */
export type Published<Row> = Row & { publication: Publication };

export interface Publication {
  status: RecordStatus;
  severity: Severity;
  publishedFrom: Date;
  publishedUntil: Date;
  repairableFrom: Date;
  reference: string;
}

/**
 * One kind of negative record of one source (e.g. environment's EnvironmentalViolation). The
 * `kind` travels in the reference so the registry can name the record in objections and repairs.
 */
export interface NegativeRecordKind {
  source: RecordSource;
  kind: string;
}

/** A record kind, or how to tell it from the row (finance's arrears: tax arrears are public, others not). */
export type RecordKindOf<Row> = NegativeRecordKind | ((row: Row) => NegativeRecordKind);

export function publish<Row extends NegativeRecordRow>(
  kindOf: RecordKindOf<Row>,
  row: Row,
  states: RecordStates,
  references: RecordReferences,
  today = businessToday(),
): Published<Row> {
  const recordKind = typeof kindOf === 'function' ? kindOf(row) : kindOf;
  const status = recordStatus(row, states.get(recordKey({ source: recordKind.source, id: row.id })), today);
  return {
    ...row,
    publication: {
      status,
      severity: row.severity,
      ...publicationWindow(row.severity, row.decidedOn),
      reference: references.sign({
        source: recordKind.source,
        id: row.id,
        uscc: row.uscc,
        severity: row.severity,
        decidedOn: isoDate(row.decidedOn),
        kind: recordKind.kind,
      }),
    },
  };
}

/** The records this caller may see, each with its publication; revoked ones are gone for all. */
export function visibleRecords<Row extends NegativeRecordRow>(
  recordKind: RecordKindOf<Row>,
  rows: readonly Row[],
  states: RecordStates,
  caller: Caller,
  references: RecordReferences,
  today = businessToday(),
): Published<Row>[] {
  return rows
    .map((row) => publish(recordKind, row, states, references, today))
    .filter((row) => recordVisible(row.publication.status, caller));
}

export interface SectorCreditSignals {
  grade: string | null;
  minorRecords: number;
  generalRecords: number;
  severeRecords: number;
}

/** A sector's signals for the evaluation: its grade and its counting records by severity. */
export function sectorSignals(grade: string | null, records: readonly NegativeRecordRow[], states: RecordStates, source: RecordSource, today = businessToday()): SectorCreditSignals {
  const counts: Record<Severity, number> = { MINOR: 0, GENERAL: 0, SEVERE: 0 };
  for (const row of records) {
    if (recordCounts(recordStatus(row, states.get(recordKey({ source, id: row.id })), today))) counts[row.severity]++;
  }
  return { grade, minorRecords: counts.MINOR, generalRecords: counts.GENERAL, severeRecords: counts.SEVERE };
}

/** A negative record as a sector hands it to the evaluation (EvaluationRecord in the schema). */
export interface EvaluationRecord {
  /** `<source>:<record id>`, the key of the registry's record states. */
  key: string;
  severity: Severity;
  decidedOn: Date;
  /** The record's kind (e.g. EnvironmentalViolation): the registry names a public record with it (a signed reference) when it triggers a measure. */
  kind: string;
}

/**
 * What a sector hands the registry's evaluation (SectorEvaluationInput): its grade as assessed,
 * the records that withhold that grade while one of them stands, and its negative records
 * still inside their publication window. No registry state is applied here: the registry owns
 * the states and applies them in `countedSignals`, so the sector needs no `@requires` for it.
 */
export interface SectorEvaluationInput {
  grade: string | null;
  gradeWithheldBy: string[];
  records: EvaluationRecord[];
}

/**
 * The sector's evaluation input: its records whose window has not ended by date (before any
 * registry state), each with its key and kind (`kindOf`: one kind, or how to tell it from the row).
 */
export function evaluationInput<Row extends NegativeRecordRow>(
  grade: string | null,
  records: readonly Row[],
  kindOf: RecordKindOf<Row>,
  gradeWithheldBy: readonly string[] = [],
  today = businessToday(),
): SectorEvaluationInput {
  return {
    grade,
    gradeWithheldBy: [...gradeWithheldBy],
    records: records
      .filter((row) => recordStatus(row, undefined, today) !== 'EXPIRED')
      .map((row) => {
        const { source, kind } = typeof kindOf === 'function' ? kindOf(row) : kindOf;
        return { key: recordKey({ source, id: row.id }), severity: row.severity, decidedOn: row.decidedOn, kind };
      }),
  };
}

/**
 * A sector's evaluation input with the registry's states applied: the same signals `sectorSignals`
 * gives the sector's own readers (a revoked or repaired record does not count; a grade withheld by
 * a record that stands is no grade).
 */
export function countedSignals(input: SectorEvaluationInput, states: RecordStates, today = businessToday()): SectorCreditSignals {
  const counts: Record<Severity, number> = { MINOR: 0, GENERAL: 0, SEVERE: 0 };
  for (const record of input.records) {
    if (recordCounts(recordStatus({ id: record.key, uscc: '', ...record }, states.get(record.key), today))) counts[record.severity]++;
  }
  const withheld = input.gradeWithheldBy.some((key) => states.get(key) !== 'REVOKED');
  return { grade: withheld ? null : input.grade, minorRecords: counts.MINOR, generalRecords: counts.GENERAL, severeRecords: counts.SEVERE };
}
