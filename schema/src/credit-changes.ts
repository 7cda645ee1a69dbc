// What a write changed, reported by the subgraph that wrote it in its response's extensions and
// recorded by the gateway for banks' change feed. The subgraph knows what it changed; the
// gateway sees every write pass; neither has to guess from the other's schema.
import type { RecordSource } from './record-reference.ts';

export const CHANGE_KINDS = [
  /** A new negative record (violation, arrears, incident, complaint, breach, ...). */
  'NEGATIVE_RECORD',
  /** A record's lifecycle changed: objection filed or decided, repair approved. */
  'RECORD_STATUS',
  /** A credit list entry was added or removed. */
  'LIST_ENTRY',
  /** A credit commitment was made, fulfilled or breached. */
  'COMMITMENT',
  /** Another sector record (rating, tax level, customs category, filing, ...). */
  'SECTOR_RECORD',
  /** The comprehensive evaluation's grade changed (found by the gateway after a write). */
  'GRADE',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface CreditChange {
  uscc: string;
  kind: ChangeKind;
  source: RecordSource;
  /** One line a credit officer can read, e.g. "Environmental violation (SEVERE) recorded". */
  summary: string;
  /** The record concerned, in its source. */
  recordId?: string;
}

/** The response extension a subgraph reports its changes in. */
export const CREDIT_CHANGES_EXTENSION = 'creditChanges';
