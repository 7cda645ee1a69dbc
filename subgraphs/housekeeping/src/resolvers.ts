import { randomBytes } from 'node:crypto';
import { businessToday, creditGraphError, recordKey, WORKER_ID_PATTERN, type CreditChange } from '@credit-graph/contract';
import {
  addMonths,
  ageBand,
  assertNotFuture,
  assertText,
  idempotentWrite,
  inputError,
  newRecordId,
  pageSize,
  personalName,
  publish,
  recordStatesOf,
  countedSignals,
  evaluationInput,
  visibleRecords,
  withRecordStates,
  type EnterpriseRepresentation,
  type NegativeRecordKind,
  type NegativeRecordRow,
  type Publication,
  type RecordStates,
  type SubgraphContext,
} from '@credit-graph/subgraph-kit';
import type {
  ElderlyCareInspection,
  ElderlyCareInspectionResult,
  ElderlyCareInstitution,
  ElderlyCarePenalty,
  HousekeepingComplaint,
  HousekeepingComplaintCategory,
  HousekeepingCompany,
  Prisma,
  PrismaClient,
  Severity,
  Sex,
  Worker,
  WorkerAgeBand,
  WorkerServiceRecord,
  WorkerServiceType,
} from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;
type EnterpriseReference = { uscc: string };

/** A company or institution carries the enterprise's record states down to its negative records. */
type WithStates<Row> = Row & { states: RecordStates };

const SOURCE = 'housekeeping';
const COMPLAINT: NegativeRecordKind = { source: SOURCE, kind: 'HousekeepingComplaint' };
const FAILED_INSPECTION: NegativeRecordKind = { source: SOURCE, kind: 'ElderlyCareInspection' };
const PENALTY: NegativeRecordKind = { source: SOURCE, kind: 'ElderlyCarePenalty' };

/** A complaint as a negative record: its window runs from the day it was received. */
function complaintRecord(complaint: HousekeepingComplaint): HousekeepingComplaint & NegativeRecordRow {
  return { ...complaint, decidedOn: complaint.receivedOn };
}

/** A FAILED inspection as a negative record (its severity is set: a CHECK in migration 0002). */
function failedInspectionRecord(inspection: ElderlyCareInspection): ElderlyCareInspection & NegativeRecordRow {
  return { ...inspection, severity: inspection.severity ?? 'GENERAL', decidedOn: inspection.inspectedOn };
}

/** Inspections as shown: failed ones with their publication (and only while visible), others with none. */
function visibleInspections(
  inspections: readonly ElderlyCareInspection[],
  states: RecordStates,
  { caller, references }: Context,
): (ElderlyCareInspection & { publication: Publication | null })[] {
  return inspections.flatMap((inspection): (ElderlyCareInspection & { publication: Publication | null })[] =>
    inspection.result === 'FAILED'
      ? visibleRecords(FAILED_INSPECTION, [failedInspectionRecord(inspection)], states, caller, references)
      : [{ ...inspection, publication: null }],
  );
}

/** No grade is shown for an institution penalized within this many years. */
export const GRADE_WITHHELD_AFTER_PENALTY_YEARS = 2;

export type UngradedReason = 'UNFILED' | 'ON_DISHONESTY_LIST' | 'PENALIZED_WITHIN_2_YEARS' | 'NOT_ASSESSED';

/**
 * Why an institution may not show a grade (national grading standard): unfiled, on the
 * elderly-care dishonesty list, or penalized within the last 2 years; null when it may.
 */
export function ungradedReason(
  institution: Pick<ElderlyCareInstitution, 'filed' | 'onDishonestyList' | 'assessedGrade'>,
  penalties: Pick<ElderlyCarePenalty, 'decidedOn'>[],
  today: Date = businessToday(),
): UngradedReason | null {
  if (!institution.filed) return 'UNFILED';
  if (institution.onDishonestyList) return 'ON_DISHONESTY_LIST';
  // 2 years before 29 February is 28 February (clamped), not 1 March.
  const cutoff = addMonths(today, -12 * GRADE_WITHHELD_AFTER_PENALTY_YEARS);
  if (penalties.some((penalty) => penalty.decidedOn > cutoff)) return 'PENALIZED_WITHIN_2_YEARS';
  if (institution.assessedGrade === null) return 'NOT_ASSESSED';
  return null;
}

/** The grading rule over the institution's penalties; a penalty whose finding was revoked does not count. */
async function institutionUngradedReason(institution: ElderlyCareInstitution, states: RecordStates, loaders: Loaders) {
  const penalties = await loaders.elderlyCarePenalties.load(institution.uscc);
  const standing = penalties.filter((penalty) => states.get(recordKey({ source: SOURCE, id: penalty.id })) !== 'REVOKED');
  return ungradedReason(institution, standing);
}

/** The grade an institution may show (1-5), or null: ElderlyCareInstitution.grade (housekeepingEvaluationInput withholds it by the same rule). */
async function shownGrade(institution: ElderlyCareInstitution, states: RecordStates, loaders: Loaders): Promise<number | null> {
  return (await institutionUngradedReason(institution, states, loaders)) === null ? institution.assessedGrade : null;
}

/** A new worker's opaque id: random, never derived from a name or an ID-card number. */
function newWorkerId(): string {
  return `wk_${randomBytes(8).toString('hex')}`;
}

/** The company row a worker or complaint hangs on: created by the company's first housekeeping record. */
function ensureCompany(tx: Prisma.TransactionClient, uscc: string) {
  return tx.housekeepingCompany.upsert({ where: { uscc }, create: { uscc, serviceRating: null, ratingCount: 0 }, update: {} });
}

/**
 * The institution row an inspection hangs on. An institution first known through an inspection
 * has no filing with civil affairs on record (so no grade) and no approved beds yet.
 */
function ensureInstitution(tx: Prisma.TransactionClient, uscc: string) {
  return tx.elderlyCareInstitution.upsert({
    where: { uscc },
    create: { uscc, filed: false, beds: 0, onDishonestyList: false },
    update: {},
  });
}

/** One more score in an average kept as (average, count), in one statement: concurrent ratings do not lose one. */
async function addToAverage(tx: Prisma.TransactionClient, table: 'Worker' | 'HousekeepingCompany', score: number, key: string) {
  if (table === 'Worker') {
    await tx.$executeRaw`UPDATE "Worker" SET "ratingAverage" = (COALESCE("ratingAverage", 0) * "ratingCount" + ${score}) / ("ratingCount" + 1), "ratingCount" = "ratingCount" + 1 WHERE "id" = ${key}`;
  } else {
    await tx.$executeRaw`UPDATE "HousekeepingCompany" SET "serviceRating" = (COALESCE("serviceRating", 0) * "ratingCount" + ${score}) / ("ratingCount" + 1), "ratingCount" = "ratingCount" + 1 WHERE "uscc" = ${key}`;
  }
}

/** Averages are shown to one decimal, as the platform shows them. */
function oneDecimal(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

/** A name is letters (Han, Latin, the middle dot): digits would let an ID-card number in. */
const NAME_PATTERN = /^[\p{L}·•. '-]+$/u;

interface WorkerInput {
  uscc: string;
  name: string;
  sex: Sex;
  ageBand: WorkerAgeBand;
  serviceTypes: WorkerServiceType[];
  employedSince: Date;
}
interface RatingInput { workerId: string; serviceType: WorkerServiceType; score: number; ratedOn: Date }
interface ComplaintInput {
  uscc: string;
  category: HousekeepingComplaintCategory;
  receivedOn: Date;
  summary: string;
  severity: Severity;
  resolved?: boolean | null;
}
interface InspectionInput {
  uscc: string;
  inspectedOn: Date;
  inspector: string;
  inspectorUscc: string;
  result: ElderlyCareInspectionResult;
  findings: string;
  severity?: Severity | null;
}
type WriteArgs<Input> = { input: Input; idempotencyKey: string };

/**
 * What housekeeping hands the evaluation: the institution's grade unless it may show none for a
 * reason of its own (unfiled, listed, not assessed); the penalties of the last 2 years, which
 * withhold that grade unless revoked (the registry knows); and the complaints, failed
 * inspections and penalties in their window.
 */
async function housekeepingEvaluationInput(uscc: string, loaders: Loaders) {
  const [institution, complaints, inspections, penalties] = await Promise.all([
    loaders.institution.load(uscc),
    loaders.complaints.load(uscc),
    loaders.inspections.load(uscc),
    loaders.elderlyCarePenalties.load(uscc),
  ]);
  const grade = institution && ungradedReason(institution, []) === null ? institution.assessedGrade : null;
  const withholding = institution ? penalties.filter((penalty) => ungradedReason(institution, [penalty]) === 'PENALIZED_WITHIN_2_YEARS') : [];
  const records: NegativeRecordRow[] = [
    ...complaints.map(complaintRecord),
    ...inspections.filter((inspection) => inspection.result === 'FAILED').map(failedInspectionRecord),
    ...penalties,
  ];
  return evaluationInput(
    grade === null ? null : String(grade),
    records,
    // Complaints, failed inspections and penalties: told apart by their own fields.
    (row) => ('receivedOn' in row ? COMPLAINT : 'inspectedOn' in row ? FAILED_INSPECTION : PENALTY),
    withholding.map((penalty) => recordKey({ source: SOURCE, id: penalty.id })),
  );
}

export const resolvers = {
  Query: {
    worker: (_: unknown, args: { id: string }, { loaders }: Context) => {
      // Worker ids are opaque tokens; anything else (an ID-card number above all) is refused.
      if (!WORKER_ID_PATTERN.test(args.id)) {
        throw creditGraphError(
          'BAD_USER_INPUT',
          `"${args.id}" is not a worker id: a worker id is "wk_" followed by 16 lowercase hex characters (e.g. from the worker's code or Worker.id); ID-card numbers are not accepted`,
          { argumentName: 'id', expectedFormat: 'wk_ + 16 hex characters' },
        );
      }
      return loaders.worker.load(args.id);
    },
  },

  Mutation: {
    registerWorker: async (_: unknown, { input, idempotencyKey }: WriteArgs<WorkerInput>, context: Context) => {
      const name = assertText('input.name', input.name, 50);
      if (!NAME_PATTERN.test(name)) {
        throw inputError('input.name', 'must be a name in letters: digits are refused (a worker is never known by an ID-card number)');
      }
      if (input.serviceTypes.length === 0) throw inputError('input.serviceTypes', 'must name at least one service');
      assertNotFuture('input.employedSince', input.employedSince);
      const serviceTypes = [...new Set(input.serviceTypes)];
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'registerWorker', input }, async (tx) => {
        await ensureCompany(tx, input.uscc);
        const worker = await tx.worker.create({
          data: {
            id: newWorkerId(),
            uscc: input.uscc,
            employedSince: input.employedSince,
            name,
            sex: input.sex,
            registeredAgeBand: input.ageBand,
            serviceTypes,
            ratingCount: 0,
            backgroundOutcome: 'PENDING',
            flaggedCategories: [],
          },
        });
        // The current job opens the worker's service history.
        await tx.workerServiceRecord.create({
          data: { id: newRecordId('svc'), workerId: worker.id, employerUscc: input.uscc, serviceType: serviceTypes[0]!, from: input.employedSince },
        });
        return {
          id: worker.id,
          // No name in the summary: change reports reach banks, a worker's name is personal data.
          changes: [{ uscc: input.uscc, kind: 'SECTOR_RECORD', source: SOURCE, summary: `Worker registered (${serviceTypes.join(', ')})`, recordId: worker.id }],
        };
      });
      return context.db.worker.findUniqueOrThrow({ where: { id } });
    },

    recordWorkerServiceRating: async (_: unknown, { input, idempotencyKey }: WriteArgs<RatingInput>, context: Context) => {
      if (!WORKER_ID_PATTERN.test(input.workerId)) {
        throw inputError('input.workerId', 'is not a worker id: "wk_" followed by 16 lowercase hex characters (ID-card numbers are not accepted)');
      }
      if (!Number.isInteger(input.score) || input.score < 1 || input.score > 5) {
        throw inputError('input.score', `must be a whole number from 1 to 5, got ${input.score}`, { minimum: 1, maximum: 5 });
      }
      assertNotFuture('input.ratedOn', input.ratedOn);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordWorkerServiceRating', input }, async (tx) => {
        const worker = await tx.worker.findUnique({ where: { id: input.workerId }, select: { id: true, uscc: true } });
        if (!worker) throw inputError('input.workerId', `no worker has id ${input.workerId}`);
        const rating = await tx.workerServiceRating.create({
          data: { id: newRecordId('wsr'), workerId: worker.id, uscc: worker.uscc, serviceType: input.serviceType, score: input.score, ratedOn: input.ratedOn },
        });
        await addToAverage(tx, 'Worker', input.score, worker.id);
        const changes: CreditChange[] = [];
        // A worker between employers has no company whose average the rating moves.
        if (worker.uscc) {
          await addToAverage(tx, 'HousekeepingCompany', input.score, worker.uscc);
          changes.push({ uscc: worker.uscc, kind: 'SECTOR_RECORD', source: SOURCE, summary: `Service rating ${input.score}/5 of a worker (${input.serviceType})`, recordId: rating.id });
        }
        return { id: rating.id, changes };
      });
      return context.db.workerServiceRating.findUniqueOrThrow({ where: { id } });
    },

    recordHousekeepingComplaint: async (_: unknown, { input, idempotencyKey }: WriteArgs<ComplaintInput>, context: Context) => {
      assertNotFuture('input.receivedOn', input.receivedOn);
      const summary = assertText('input.summary', input.summary);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordHousekeepingComplaint', input }, async (tx) => {
        await ensureCompany(tx, input.uscc);
        const complaint = await tx.housekeepingComplaint.create({
          data: {
            id: newRecordId('hkc'),
            uscc: input.uscc,
            receivedOn: input.receivedOn,
            category: input.category,
            summary,
            severity: input.severity,
            resolved: input.resolved ?? false,
          },
        });
        return {
          id: complaint.id,
          changes: [{ uscc: input.uscc, kind: 'NEGATIVE_RECORD', source: SOURCE, summary: `Housekeeping complaint (${input.severity}): ${input.category}`, recordId: complaint.id }],
        };
      });
      const complaint = await context.db.housekeepingComplaint.findUniqueOrThrow({ where: { id } });
      return publish(COMPLAINT, complaintRecord(complaint), new Map(), context.references);
    },

    recordElderlyCareInspection: async (_: unknown, { input, idempotencyKey }: WriteArgs<InspectionInput>, context: Context) => {
      assertNotFuture('input.inspectedOn', input.inspectedOn);
      const inspector = assertText('input.inspector', input.inspector, 200);
      const findings = assertText('input.findings', input.findings);
      const failed = input.result === 'FAILED';
      if (failed && !input.severity) throw inputError('input.severity', 'is required for a FAILED inspection: it decides the publication window');
      if (!failed && input.severity) throw inputError('input.severity', `only a FAILED inspection has a severity; this one is ${input.result}`);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordElderlyCareInspection', input }, async (tx) => {
        await ensureInstitution(tx, input.uscc);
        const inspection = await tx.elderlyCareInspection.create({
          data: {
            id: newRecordId('eci'),
            uscc: input.uscc,
            inspectedOn: input.inspectedOn,
            inspector,
            inspectorUscc: input.inspectorUscc,
            result: input.result,
            findings,
            severity: failed ? input.severity! : null,
          },
        });
        const change: CreditChange = failed
          ? { uscc: input.uscc, kind: 'NEGATIVE_RECORD', source: SOURCE, summary: `Elderly-care inspection FAILED (${input.severity})`, recordId: inspection.id }
          : { uscc: input.uscc, kind: 'SECTOR_RECORD', source: SOURCE, summary: `Elderly-care inspection: ${input.result}`, recordId: inspection.id };
        return { id: inspection.id, changes: [change] };
      });
      const inspection = await context.db.elderlyCareInspection.findUniqueOrThrow({ where: { id } });
      return inspection.result === 'FAILED'
        ? publish(FAILED_INSPECTION, failedInspectionRecord(inspection), new Map(), context.references)
        : { ...inspection, publication: null };
    },
  },

  Enterprise: {
    // Registry owns the enterprise: the key (and the record states it requires) is all this subgraph needs.
    __resolveReference: (reference: EnterpriseRepresentation) => reference,
    housekeeping: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) => {
      const company = await loaders.company.load(enterprise.uscc);
      return withRecordStates(company, enterprise, references);
    },
    elderlyCare: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) => {
      const institution = await loaders.institution.load(enterprise.uscc);
      return withRecordStates(institution, enterprise, references);
    },
    housekeepingSignals: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) =>
      countedSignals(await housekeepingEvaluationInput(enterprise.uscc, loaders), recordStatesOf(enterprise, references)),
    housekeepingEvaluationInput: (enterprise: EnterpriseRepresentation, _: unknown, { loaders }: Context) =>
      housekeepingEvaluationInput(enterprise.uscc, loaders),
  },

  HousekeepingCompany: {
    complaintCount: async (company: WithStates<HousekeepingCompany>, _: unknown, context: Context) =>
      visibleRecords(COMPLAINT, (await context.loaders.complaints.load(company.uscc)).map(complaintRecord), company.states, context.caller, context.references).length,
    complaints: async (company: WithStates<HousekeepingCompany>, _: unknown, context: Context) =>
      visibleRecords(COMPLAINT, (await context.loaders.complaints.load(company.uscc)).map(complaintRecord), company.states, context.caller, context.references),
    workerCount: async (company: HousekeepingCompany, _: unknown, { loaders }: Context) =>
      (await loaders.workerCount.load(company.uscc))?._count._all ?? 0,
    workers: async (company: HousekeepingCompany, args: { first?: number | null }, { loaders }: Context) => {
      const ids = (await loaders.workerIds(pageSize(args.first)).load(company.uscc)).map((slot) => slot.id);
      const workers = await loaders.worker.loadMany(ids);
      return workers.filter((worker): worker is Worker => worker !== null && !(worker instanceof Error));
    },
  },

  Worker: {
    __resolveReference: (reference: { id: string }, { loaders }: Context) => loaders.worker.load(reference.id),
    // Unmasked only for a scope that may see personal data (a regulator) or a caller this
    // worker authorized (a household holding the worker's code).
    // The unmasked name is logged as a read of the worker's personal data (audit, by its id).
    name: (worker: Worker, _: unknown, context: Context) => personalName(context, worker.name, worker.id, worker.id),
    // Platform registration requires adults; the band is clamped should a record say otherwise.
    // A worker the platform registered has the band it declared, and no birth date at all.
    ageBand: (worker: Worker) => {
      if (!worker.birthDate) return worker.registeredAgeBand ?? 'AGE_18_25';
      const band = ageBand(worker.birthDate);
      return band === 'UNDER_18' ? 'AGE_18_25' : band;
    },
    serviceTypes: (worker: Worker) => worker.serviceTypes ?? [],
    certificates: (worker: Worker, _: unknown, { loaders }: Context) => loaders.certificates.load(worker.id),
    trainings: (worker: Worker, _: unknown, { loaders }: Context) => loaders.trainings.load(worker.id),
    backgroundCheck: (worker: Worker) => ({
      outcome: worker.backgroundOutcome,
      checkedOn: worker.backgroundCheckedOn,
      flaggedCategories: worker.backgroundOutcome === 'FLAGGED' ? worker.flaggedCategories : [],
    }),
    serviceHistory: (worker: Worker, _: unknown, { loaders }: Context) => loaders.serviceRecords.load(worker.id),
    rating: (worker: Worker) => ({ average: oneDecimal(worker.ratingAverage), count: worker.ratingCount }),
    employer: (worker: Worker): EnterpriseReference | null => (worker.uscc ? { uscc: worker.uscc } : null),
  },

  WorkerServiceRecord: {
    employer: (record: WorkerServiceRecord): EnterpriseReference => ({ uscc: record.employerUscc }),
  },

  WorkerServiceRating: {
    worker: (rating: { workerId: string }, _: unknown, { loaders }: Context) => loaders.worker.load(rating.workerId),
  },

  ElderlyCareInstitution: {
    grade: (institution: WithStates<ElderlyCareInstitution>, _: unknown, { loaders }: Context) =>
      shownGrade(institution, institution.states, loaders),
    ungradedReason: (institution: WithStates<ElderlyCareInstitution>, _: unknown, { loaders }: Context) =>
      institutionUngradedReason(institution, institution.states, loaders),
    inspections: async (institution: WithStates<ElderlyCareInstitution>, _: unknown, context: Context) =>
      visibleInspections(await context.loaders.inspections.load(institution.uscc), institution.states, context),
    penalties: async (institution: WithStates<ElderlyCareInstitution>, _: unknown, context: Context) =>
      visibleRecords(PENALTY, await context.loaders.elderlyCarePenalties.load(institution.uscc), institution.states, context.caller, context.references),
    commitments: (institution: ElderlyCareInstitution, _: unknown, { loaders }: Context) =>
      loaders.elderlyCareCommitments.load(institution.uscc),
  },

  ElderlyCarePenalty: {
    amount: (penalty: ElderlyCarePenalty) => penalty.amount.toNumber(),
  },
};
