// The facts a credit verification decides on, gathered from what the registry holds (list
// entries, penalties, commitments, record states) and what the sectors hand in through
// @requires (their evaluation inputs: key, severity, decision day and kind of each record still
// in its window). Nothing is copied out of a sector: a sector record that triggers a measure is
// named by its key and a signed reference the enterprise can object with.
import { isoDate, isPublicRecordKind, RECORD_SOURCES, type RecordSource, type Severity } from '@credit-graph/contract';
import { recordStatus, type RecordReferences, type RecordStates } from '@credit-graph/subgraph-kit';
import type { CreditCommitment, AdministrativePenalty, DishonestyListEntry } from './generated/prisma/client.ts';
import type { CreditFacts } from './measures.ts';

/** A sector record as its evaluation input carries it (dates as YYYY-MM-DD from the representation). */
export interface SectorInputRecord {
  key: string;
  severity: Severity;
  decidedOn: string | Date;
  kind: string;
}

export interface FactsInput {
  uscc: string;
  today: Date;
  states: RecordStates;
  references: Pick<RecordReferences, 'sign'>;
  listEntries: readonly DishonestyListEntry[];
  penalties: readonly AdministrativePenalty[];
  commitments: readonly CreditCommitment[];
  /** Each sector's evaluation records (null: that sector gave none). */
  sectorRecords: readonly (readonly SectorInputRecord[] | null | undefined)[];
  evaluation: CreditFacts['evaluation'];
}

const asDate = (value: string | Date) => (value instanceof Date ? value : new Date(`${value}T00:00:00.000Z`));

/**
 * The facts as of `today` (Zhengzhou's date): active list entries; published (not under
 * objection, repaired, revoked or expired) SEVERE penalties, public SEVERE sector records and
 * commitment breaches, each with its signed reference; fulfilled commitments; the evaluation.
 */
export function creditFacts(input: FactsInput): CreditFacts {
  const { uscc, today, states, references } = input;
  const published = (source: RecordSource, id: string, severity: Severity, decidedOn: Date) =>
    recordStatus({ id, uscc, severity, decidedOn }, states.get(`${source}:${id}`), today) === 'PUBLISHED';
  const sign = (source: RecordSource, id: string, severity: Severity, decidedOn: Date, kind: string) =>
    references.sign({ source, id, uscc, severity, decidedOn: isoDate(decidedOn), kind });

  const lists = input.listEntries
    .filter((entry) => entry.removedOn === null && entry.expiresOn > today)
    .map((entry) => ({
      type: entry.listType,
      expiresOn: entry.expiresOn,
      record: {
        source: 'registry',
        kind: 'DishonestyListEntry',
        id: entry.id,
        description: entry.reason,
        authority: entry.authority,
        legalBasis: entry.legalBasis,
        severity: null,
        decidedOn: entry.listedOn,
      },
    }));

  const records: CreditFacts['records'] = [];
  for (const penalty of input.penalties) {
    if (penalty.severity !== 'SEVERE' || !published('registry', penalty.id, penalty.severity, penalty.decisionDate)) continue;
    records.push({
      trigger: 'SEVERE_PENALTY',
      record: {
        source: 'registry',
        kind: 'AdministrativePenalty',
        id: penalty.id,
        reference: sign('registry', penalty.id, penalty.severity, penalty.decisionDate, 'AdministrativePenalty'),
        description: `${penalty.decisionNumber} ${penalty.violationType}`,
        authority: penalty.authority,
        legalBasis: penalty.legalBasis,
        severity: penalty.severity,
        decidedOn: penalty.decisionDate,
      },
    });
  }
  const keptCommitments: CreditFacts['keptCommitments'] = [];
  for (const commitment of input.commitments) {
    if (commitment.status === 'BREACHED' && commitment.outcomeOn && commitment.breachSeverity) {
      if (!published('registry', commitment.id, commitment.breachSeverity, commitment.outcomeOn)) continue;
      records.push({
        trigger: 'COMMITMENT_BREACH',
        record: {
          source: 'registry',
          kind: 'CreditCommitmentBreach',
          id: commitment.id,
          reference: sign('registry', commitment.id, commitment.breachSeverity, commitment.outcomeOn, 'CreditCommitmentBreach'),
          description: `${commitment.type}: ${commitment.outcomeNote ?? commitment.content}`,
          authority: commitment.outcomeBy,
          legalBasis: null,
          severity: commitment.breachSeverity,
          decidedOn: commitment.outcomeOn,
        },
      });
    } else if (commitment.status === 'FULFILLED' && commitment.outcomeOn) {
      keptCommitments.push({
        source: 'registry',
        kind: 'CreditCommitment',
        id: commitment.id,
        reference: null,
        description: `${commitment.type}: ${commitment.content}`,
        authority: commitment.outcomeBy,
        legalBasis: null,
        severity: null,
        decidedOn: commitment.outcomeOn,
      });
    }
  }
  for (const sectorRecords of input.sectorRecords) {
    for (const record of sectorRecords ?? []) {
      const colon = record.key.indexOf(':');
      const source = record.key.slice(0, colon) as RecordSource;
      const id = record.key.slice(colon + 1);
      const decidedOn = asDate(record.decidedOn);
      // Only public records (PUBLIC_RECORD_KINDS): a non-public one is no agency's business.
      if (record.severity !== 'SEVERE' || !RECORD_SOURCES.includes(source) || source === 'registry' || !isPublicRecordKind(source, record.kind)) continue;
      if (!published(source, id, record.severity, decidedOn)) continue;
      records.push({
        trigger: 'SECTOR_SEVERE_RECORD',
        record: {
          source,
          kind: record.kind,
          id,
          reference: sign(source, id, record.severity, decidedOn, record.kind),
          description: `${source} ${record.kind} (SEVERE)`,
          authority: null,
          legalBasis: null,
          severity: record.severity,
          decidedOn,
        },
      });
    }
  }
  return { lists, records, keptCommitments, evaluation: input.evaluation };
}
