// The registry's credit workflows: objections, credit repair, credit lists and commitments.
// Each step is a compare-and-set on the current state inside the write's transaction, so two
// concurrent steps cannot both succeed and no illegal transition is ever stored.
import { tz } from '@date-fns/tz';
import { addBusinessDays } from 'date-fns';
import { businessDateOf, businessToday, clock, isoDate, recordKey, type CreditChange, type RecordReference, type Sector } from '@credit-graph/contract';
import {
  addMonths,
  assertNotFuture,
  assertOrder,
  assertText,
  idempotentWrite,
  inputError,
  invalidTransition,
  newRecordId,
  publicationWindow,
  recordStatus,
  type RecordStatus,
  type SubgraphContext,
} from '@credit-graph/subgraph-kit';
import { creditGraphError } from '@credit-graph/contract';
import type { Prisma, PrismaClient } from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;
type Tx = Prisma.TransactionClient;

/** Henan art. 41: 3 working days, 7 when the data provider must check the record. */
export const OBJECTION_WORKING_DAYS = { platform: 3, providerCheck: 7 } as const;
/** A list entry or commitment runs at most this long. */
const MAX_TERM_YEARS = 5;

/**
 * The `days`-th working day after `date` (Monday to Friday; public holidays are not modelled):
 * filed on Friday 27 November with 3 working days, due Wednesday 2 December; the day of filing
 * does not count. `date` is a business date (UTC midnight of Zhengzhou's date); so is the result.
 */
export function addWorkingDays(date: Date, days: number): Date {
  const start = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  return new Date(addBusinessDays(start, days, { in: tz('UTC') }).getTime());
}

/**
 * The lifecycle state the registry holds for each record of an enterprise: what the sectors
 * receive through @requires. A revocation or repair outranks an open objection.
 */
export function creditRecordStates(
  objections: readonly { recordKey: string; status: string }[],
  repairs: readonly { recordKey: string; status: string }[],
): { key: string; state: RecordStatus }[] {
  const rank: Record<string, number> = { UNDER_OBJECTION: 1, REPAIRED: 2, REVOKED: 3 };
  const states = new Map<string, RecordStatus>();
  const raise = (key: string, state: RecordStatus) => {
    if ((rank[state] ?? 0) > (rank[states.get(key) ?? ''] ?? 0)) states.set(key, state);
  };
  for (const objection of objections) {
    if (objection.status === 'FILED' || objection.status === 'ANSWERED') raise(objection.recordKey, 'UNDER_OBJECTION');
    if (objection.status === 'REVOKED') raise(objection.recordKey, 'REVOKED');
  }
  for (const repair of repairs) if (repair.status === 'APPROVED') raise(repair.recordKey, 'REPAIRED');
  return [...states].map(([key, state]) => ({ key, state }));
}

function recordFields(reference: RecordReference) {
  return {
    uscc: reference.uscc,
    recordKey: recordKey(reference),
    recordSource: reference.source,
    recordId: reference.id,
    recordKind: reference.kind,
    recordSeverity: reference.severity,
    recordDecidedOn: new Date(`${reference.decidedOn}T00:00:00Z`),
  };
}

/** The record's state as the registry sees it now (its own objections and repairs). */
async function currentRecordState(tx: Tx, uscc: string, key: string): Promise<RecordStatus | undefined> {
  const [objections, repairs] = await Promise.all([
    tx.objection.findMany({ where: { uscc, recordKey: key }, select: { recordKey: true, status: true } }),
    tx.repairApplication.findMany({ where: { uscc, recordKey: key }, select: { recordKey: true, status: true } }),
  ]);
  return creditRecordStates(objections, repairs)[0]?.state;
}

/** The enterprise named must be the caller: an enterprise acts only on its own records. */
function assertOwnRecord(context: Context, uscc: string, field: string): void {
  if (context.caller.uscc !== uscc) {
    throw creditGraphError('FORBIDDEN', `${field} names a record of enterprise ${uscc}; an enterprise acts only on its own records`, { field });
  }
}

function change(uscc: string, kind: CreditChange['kind'], summary: string, recordId?: string): CreditChange {
  return { uscc, kind, source: 'registry', summary, ...(recordId ? { recordId } : {}) };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'P2002';
}

interface ObjectionInput { reference: string; reason: string; evidence: string }
interface RepairInput { reference: string; obligationsFulfilled: string; commitment: string }
interface ListEntryInput {
  uscc: string;
  listType: 'SEVERE_DISHONESTY' | 'ABNORMAL_OPERATION';
  authority: string;
  legalBasis: string;
  reason: string;
  listedOn: Date;
  expiresOn: Date;
  measures: string[];
}
/** A commitment's supervising sector in the API (CommitmentSector: SUPPLY_CHAIN) and the contract's Sector (supply-chain). */
export type CommitmentSector = 'FINANCE' | 'SUPPLY_CHAIN' | 'ENVIRONMENT' | 'HOUSEKEEPING' | 'TRADE';
export const commitmentSector = {
  toSector: (value: CommitmentSector): Sector => value.toLowerCase().replace('_', '-') as Sector,
  fromSector: (sector: string | null): CommitmentSector | null => (sector ? (sector.toUpperCase().replace('-', '_') as CommitmentSector) : null),
};

interface CommitmentInput { type: string; content: string; termEnd: Date; sector?: CommitmentSector | null }

export const workflowMutations = {
  fileObjection: async (_: unknown, { input, idempotencyKey }: { input: ObjectionInput; idempotencyKey: string }, context: Context) => {
    const reference = context.references.verify(input.reference, 'input.reference');
    assertOwnRecord(context, reference.uscc, 'input.reference');
    const reason = assertText('input.reason', input.reason);
    const evidence = assertText('input.evidence', input.evidence, 500);
    const fields = recordFields(reference);
    const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'fileObjection', input }, async (tx) => {
      const state = recordStatus({ id: reference.id, uscc: reference.uscc, severity: reference.severity, decidedOn: fields.recordDecidedOn }, await currentRecordState(tx, reference.uscc, fields.recordKey));
      if (state !== 'PUBLISHED') {
        throw invalidTransition(`An objection can be filed only against a published record; ${fields.recordKey} is ${state}`, state, { recordKey: fields.recordKey });
      }
      // A record reviewed once and upheld is not disputed again: otherwise an enterprise could
      // keep its record marked "under objection" by filing again after every decision.
      const reviewed = await tx.objection.findFirst({ where: { uscc: reference.uscc, recordKey: fields.recordKey, status: 'UPHELD' } });
      if (reviewed) {
        throw invalidTransition(`${fields.recordKey} was reviewed after an objection and upheld on ${reviewed.decidedAt?.toISOString().slice(0, 10)}: it cannot be objected to again`, 'UPHELD', { recordKey: fields.recordKey });
      }
      const filedAt = clock().now();
      // The provider must check a record a sector reported; the registry's own it checks itself.
      const providerMustCheck = reference.source !== 'registry';
      const days = providerMustCheck ? OBJECTION_WORKING_DAYS.providerCheck : OBJECTION_WORKING_DAYS.platform;
      try {
        const objection = await tx.objection.create({
          data: {
            id: newRecordId('obj'),
            ...fields,
            reason,
            evidence,
            status: 'FILED',
            filedAt,
            providerMustCheck,
            // Due in working days counted on Zhengzhou's calendar, from the day it was filed there.
            dueOn: addWorkingDays(businessDateOf(filedAt, clock().timeZone), days),
            openKey: fields.recordKey,
          },
        });
        return { id: objection.id, changes: [change(reference.uscc, 'RECORD_STATUS', `Objection filed against ${reference.kind} ${fields.recordKey}`, reference.id)] };
      } catch (error) {
        if (isUniqueViolation(error)) throw invalidTransition(`An objection against ${fields.recordKey} is already open`, 'UNDER_OBJECTION', { recordKey: fields.recordKey });
        throw error;
      }
    });
    return context.db.objection.findUniqueOrThrow({ where: { id } });
  },

  answerObjection: async (
    _: unknown,
    args: { objectionId: string; confirms: boolean; answer: string; idempotencyKey: string },
    context: Context,
  ) => {
    const answer = assertText('answer', args.answer);
    const id = await idempotentWrite(context.db, context, { key: args.idempotencyKey, operation: 'answerObjection', input: args }, async (tx) => {
      const objection = await tx.objection.findUnique({ where: { id: args.objectionId } });
      if (!objection) throw inputError('objectionId', `no objection has id ${args.objectionId}`);
      if (objection.recordSource !== context.caller.sector) {
        throw creditGraphError('FORBIDDEN', `Objection ${objection.id} concerns a ${objection.recordSource} record; only the ${objection.recordSource} sector platform answers it`, { field: 'objectionId' });
      }
      const updated = await tx.objection.updateMany({
        where: { id: objection.id, status: 'FILED' },
        data: { status: 'ANSWERED', providerAnswer: answer, providerConfirms: args.confirms, answeredAt: clock().now(), answeredBy: context.caller.institution ?? context.caller.subject },
      });
      if (updated.count === 0) throw invalidTransition(`Objection ${objection.id} is ${objection.status}: only a FILED objection can be answered`, objection.status);
      return { id: objection.id, changes: [change(objection.uscc, 'RECORD_STATUS', `Objection against ${objection.recordKey} answered by the ${objection.recordSource} platform`, objection.recordId)] };
    });
    return context.db.objection.findUniqueOrThrow({ where: { id } });
  },

  decideObjection: async (
    _: unknown,
    args: { objectionId: string; decision: 'UPHELD' | 'REVOKED'; reason: string; idempotencyKey: string },
    context: Context,
  ) => {
    const reason = assertText('reason', args.reason);
    const id = await idempotentWrite(context.db, context, { key: args.idempotencyKey, operation: 'decideObjection', input: args }, async (tx) => {
      const objection = await tx.objection.findUnique({ where: { id: args.objectionId } });
      if (!objection) throw inputError('objectionId', `no objection has id ${args.objectionId}`);
      const updated = await tx.objection.updateMany({
        where: { id: objection.id, status: { in: ['FILED', 'ANSWERED'] } },
        data: { status: args.decision, decisionReason: reason, decidedAt: clock().now(), decidedBy: context.caller.institution ?? context.caller.subject, openKey: null },
      });
      if (updated.count === 0) throw invalidTransition(`Objection ${objection.id} is already decided (${objection.status})`, objection.status);
      const outcome = args.decision === 'REVOKED' ? 'revoked: the record is removed from every view' : 'upheld: the record stands';
      return { id: objection.id, changes: [change(objection.uscc, 'RECORD_STATUS', `Objection against ${objection.recordKey} decided, record ${outcome}`, objection.recordId)] };
    });
    return context.db.objection.findUniqueOrThrow({ where: { id } });
  },

  applyForCreditRepair: async (_: unknown, { input, idempotencyKey }: { input: RepairInput; idempotencyKey: string }, context: Context) => {
    const reference = context.references.verify(input.reference, 'input.reference');
    assertOwnRecord(context, reference.uscc, 'input.reference');
    const obligationsFulfilled = assertText('input.obligationsFulfilled', input.obligationsFulfilled);
    const commitment = assertText('input.commitment', input.commitment);
    const fields = recordFields(reference);
    const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'applyForCreditRepair', input }, async (tx) => {
      const record = { id: reference.id, uscc: reference.uscc, severity: reference.severity, decidedOn: fields.recordDecidedOn };
      const state = recordStatus(record, await currentRecordState(tx, reference.uscc, fields.recordKey));
      if (state !== 'PUBLISHED') {
        throw creditGraphError('NOT_ELIGIBLE', `Only a published record can be repaired; ${fields.recordKey} is ${state}${state === 'UNDER_OBJECTION' ? ' (wait for the objection decision)' : ''}`, { recordKey: fields.recordKey, state });
      }
      const { repairableFrom } = publicationWindow(reference.severity, fields.recordDecidedOn);
      if (businessToday() < repairableFrom) {
        const from = isoDate(repairableFrom);
        throw creditGraphError('NOT_ELIGIBLE', `A ${reference.severity} record is repairable after its minimum publication period, from ${from}`, { recordKey: fields.recordKey, repairableFrom: from });
      }
      try {
        const application = await tx.repairApplication.create({
          data: { id: newRecordId('rep'), ...fields, obligationsFulfilled, commitment, status: 'APPLIED', appliedAt: clock().now(), openKey: fields.recordKey },
        });
        return { id: application.id, changes: [change(reference.uscc, 'RECORD_STATUS', `Credit repair applied for ${reference.kind} ${fields.recordKey}`, reference.id)] };
      } catch (error) {
        if (isUniqueViolation(error)) throw invalidTransition(`A repair application for ${fields.recordKey} is already open`, 'APPLIED', { recordKey: fields.recordKey });
        throw error;
      }
    });
    return context.db.repairApplication.findUniqueOrThrow({ where: { id } });
  },

  decideCreditRepair: async (
    _: unknown,
    args: { applicationId: string; approve: boolean; reason: string; idempotencyKey: string },
    context: Context,
  ) => {
    const reason = assertText('reason', args.reason);
    const id = await idempotentWrite(context.db, context, { key: args.idempotencyKey, operation: 'decideCreditRepair', input: args }, async (tx) => {
      const application = await tx.repairApplication.findUnique({ where: { id: args.applicationId } });
      if (!application) throw inputError('applicationId', `no repair application has id ${args.applicationId}`);
      const updated = await tx.repairApplication.updateMany({
        where: { id: application.id, status: 'APPLIED' },
        data: { status: args.approve ? 'APPROVED' : 'REJECTED', decisionReason: reason, decidedAt: clock().now(), decidedBy: context.caller.institution ?? context.caller.subject, openKey: null },
      });
      if (updated.count === 0) throw invalidTransition(`Repair application ${application.id} is already decided (${application.status})`, application.status);
      const outcome = args.approve ? 'approved: publication ended' : 'rejected';
      return { id: application.id, changes: [change(application.uscc, 'RECORD_STATUS', `Credit repair of ${application.recordKey} ${outcome}`, application.recordId)] };
    });
    return context.db.repairApplication.findUniqueOrThrow({ where: { id } });
  },

  addListEntry: async (_: unknown, { input, idempotencyKey }: { input: ListEntryInput; idempotencyKey: string }, context: Context) => {
    const authority = assertText('input.authority', input.authority, 200);
    const legalBasis = assertText('input.legalBasis', input.legalBasis, 500);
    const reason = assertText('input.reason', input.reason);
    assertNotFuture('input.listedOn', input.listedOn);
    if (input.expiresOn <= input.listedOn) throw inputError('input.expiresOn', 'must be after listedOn');
    if (input.expiresOn > addMonths(input.listedOn, MAX_TERM_YEARS * 12)) throw inputError('input.expiresOn', `must be within ${MAX_TERM_YEARS} years of listedOn`);
    if (input.measures.length === 0) throw inputError('input.measures', 'name at least one measure attached to the entry (过惩相当: the measures must be stated)');
    const measures = input.measures.map((measure, i) => assertText(`input.measures[${i}]`, measure, 200));
    const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'addListEntry', input }, async (tx) => {
      if (!(await tx.enterprise.findUnique({ where: { uscc: input.uscc }, select: { uscc: true } }))) {
        throw inputError('input.uscc', `no enterprise is registered with code ${input.uscc}`);
      }
      const entry = await tx.dishonestyListEntry.create({
        data: { id: newRecordId('list'), uscc: input.uscc, listType: input.listType, authority, legalBasis, reason, listedOn: input.listedOn, expiresOn: input.expiresOn, measures },
      });
      return { id: entry.id, changes: [change(input.uscc, 'LIST_ENTRY', `Added to the ${input.listType} list by ${authority}`, entry.id)] };
    });
    return context.db.dishonestyListEntry.findUniqueOrThrow({ where: { id } });
  },

  removeListEntry: async (
    _: unknown,
    args: { entryId: string; reason: 'REPAIRED' | 'REVOKED' | 'EXPIRED'; removedOn: Date; idempotencyKey: string },
    context: Context,
  ) => {
    assertNotFuture('removedOn', args.removedOn);
    const id = await idempotentWrite(context.db, context, { key: args.idempotencyKey, operation: 'removeListEntry', input: args }, async (tx) => {
      const entry = await tx.dishonestyListEntry.findUnique({ where: { id: args.entryId } });
      if (!entry) throw inputError('entryId', `no list entry has id ${args.entryId}`);
      assertOrder('removedOn', args.removedOn, 'the listing date', entry.listedOn);
      const updated = await tx.dishonestyListEntry.updateMany({
        where: { id: entry.id, removedOn: null },
        data: { removedOn: args.removedOn, removalReason: args.reason },
      });
      if (updated.count === 0) throw invalidTransition(`List entry ${entry.id} was already removed`, 'REMOVED');
      return { id: entry.id, changes: [change(entry.uscc, 'LIST_ENTRY', `Removed from the ${entry.listType} list (${args.reason})`, entry.id)] };
    });
    return context.db.dishonestyListEntry.findUniqueOrThrow({ where: { id } });
  },

  makeCreditCommitment: async (_: unknown, { input, idempotencyKey }: { input: CommitmentInput; idempotencyKey: string }, context: Context) => {
    const uscc = context.caller.uscc!;
    const type = assertText('input.type', input.type, 100);
    const content = assertText('input.content', input.content);
    const today = businessToday();
    if (input.termEnd <= today) throw inputError('input.termEnd', 'must be after today');
    if (input.termEnd > addMonths(today, MAX_TERM_YEARS * 12)) throw inputError('input.termEnd', `must be within ${MAX_TERM_YEARS} years`);
    const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'makeCreditCommitment', input }, async (tx) => {
      const commitment = await tx.creditCommitment.create({
        data: {
          id: newRecordId('cc'),
          uscc,
          type,
          content,
          madeOn: today,
          termEnd: input.termEnd,
          status: 'IN_FORCE',
          sector: input.sector ? commitmentSector.toSector(input.sector) : null,
        },
      });
      return { id: commitment.id, changes: [change(uscc, 'COMMITMENT', `Credit commitment made: ${type}`, commitment.id)] };
    });
    return context.db.creditCommitment.findUniqueOrThrow({ where: { id } });
  },

  recordCommitmentOutcome: async (
    _: unknown,
    args: { commitmentId: string; outcome: 'FULFILLED' | 'BREACHED'; breachSeverity?: 'MINOR' | 'GENERAL' | 'SEVERE' | null; note: string; outcomeOn: Date; idempotencyKey: string },
    context: Context,
  ) => {
    const note = assertText('note', args.note);
    assertNotFuture('outcomeOn', args.outcomeOn);
    if (args.outcome === 'BREACHED' && !args.breachSeverity) throw inputError('breachSeverity', 'is required for a breach: it decides the publication window');
    if (args.outcome === 'FULFILLED' && args.breachSeverity) throw inputError('breachSeverity', 'applies to a breach only');
    const id = await idempotentWrite(context.db, context, { key: args.idempotencyKey, operation: 'recordCommitmentOutcome', input: args }, async (tx) => {
      const commitment = await tx.creditCommitment.findUnique({ where: { id: args.commitmentId } });
      if (!commitment) throw inputError('commitmentId', `no credit commitment has id ${args.commitmentId}`);
      // A sector platform decides only the commitments of its own sector; the rest are regulators'.
      const { caller } = context;
      if (caller.role === 'SECTOR_PLATFORM' && commitment.sector !== caller.sector) {
        throw creditGraphError(
          'FORBIDDEN',
          commitment.sector
            ? `Commitment ${commitment.id} concerns the ${commitment.sector} sector; only its platform or a regulator records its outcome`
            : `Commitment ${commitment.id} concerns no sector; only a regulator records its outcome`,
          { field: 'commitmentId' },
        );
      }
      assertOrder('outcomeOn', args.outcomeOn, 'the date the commitment was made', commitment.madeOn);
      const updated = await tx.creditCommitment.updateMany({
        where: { id: commitment.id, status: { in: ['IN_FORCE', 'EXPIRED'] }, outcomeOn: null },
        data: { status: args.outcome, outcomeOn: args.outcomeOn, outcomeNote: note, outcomeBy: context.caller.institution ?? context.caller.subject, breachSeverity: args.breachSeverity ?? null },
      });
      if (updated.count === 0) throw invalidTransition(`Commitment ${commitment.id} already has an outcome (${commitment.status})`, commitment.status);
      const kind = args.outcome === 'BREACHED' ? 'NEGATIVE_RECORD' : 'COMMITMENT';
      return { id: commitment.id, changes: [change(commitment.uscc, kind, `Credit commitment ${args.outcome === 'BREACHED' ? `breached (${args.breachSeverity})` : 'fulfilled'}: ${commitment.type}`, commitment.id)] };
    });
    return context.db.creditCommitment.findUniqueOrThrow({ where: { id } });
  },
};
