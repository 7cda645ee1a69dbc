import { businessToday, ZHENGZHOU_DIVISIONS, creditGraphError, type VerificationScenario } from '@credit-graph/contract';
import {
  containsText,
  decodeCursor,
  pageSize,
  lifecycleVisible,
  personalName,
  publish,
  sectorSignals,
  toConnection,
  visibleRecords,
  type NegativeRecordKind,
  type RecordStates,
  type SectorCreditSignals,
  type SubgraphContext,
} from '@credit-graph/subgraph-kit';
import type { CreditCommitment, Enterprise, DishonestyListEntry, Objection, Prisma, PrismaClient } from './generated/prisma/client.ts';
import { evaluate, EVALUATION_INPUT_FIELDS, sectorSignalsOf, type EvaluationInputs } from './evaluation.ts';
import { applyMeasures, MEASURES } from './measures.ts';
import { creditFacts } from './verification.ts';
import type { Loaders } from './loaders.ts';
import { supervisionFor } from './supervision.ts';
import { commitmentSector, creditRecordStates, workflowMutations } from './workflows.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

const PENALTY: NegativeRecordKind = { source: 'registry', kind: 'AdministrativePenalty' };
const COMMITMENT_BREACH: NegativeRecordKind = { source: 'registry', kind: 'CreditCommitmentBreach' };

/** The enterprise as resolved here: its row, plus the sectors' evaluation inputs `evaluation` requires. */
type EnterpriseParent = Enterprise & EvaluationInputs;

async function statesOf(uscc: string, loaders: Loaders): Promise<RecordStates> {
  const [objections, repairs] = await Promise.all([loaders.objections.load(uscc), loaders.repairs.load(uscc)]);
  return new Map(creditRecordStates(objections, repairs).map((entry) => [entry.key, entry.state]));
}

/** A breached commitment as a negative record: decided on the breach day, with the breach's severity. */
function asBreach(commitment: CreditCommitment) {
  return commitment.status === 'BREACHED' && commitment.outcomeOn && commitment.breachSeverity
    ? { ...commitment, severity: commitment.breachSeverity, decidedOn: commitment.outcomeOn }
    : null;
}

function commitmentStatus(commitment: CreditCommitment, today = businessToday()): CreditCommitment['status'] {
  return commitment.status === 'IN_FORCE' && commitment.termEnd < today ? 'EXPIRED' : commitment.status;
}

/** The registry's own negative records: penalties and commitment breaches, as counted now. */
async function registryRecordSignals(uscc: string, loaders: Loaders, states: RecordStates): Promise<SectorCreditSignals> {
  const [penalties, commitments] = await Promise.all([loaders.penalties.load(uscc), loaders.commitments.load(uscc)]);
  const penaltySignals = sectorSignals(null, penalties.map((p) => ({ ...p, decidedOn: p.decisionDate })), states, 'registry');
  const breaches = commitments.map(asBreach).filter((b) => b !== null);
  const breachSignals = sectorSignals(null, breaches, states, 'registry');
  return {
    grade: null,
    minorRecords: penaltySignals.minorRecords + breachSignals.minorRecords,
    generalRecords: penaltySignals.generalRecords + breachSignals.generalRecords,
    severeRecords: penaltySignals.severeRecords + breachSignals.severeRecords,
  };
}

/**
 * The comprehensive evaluation of one enterprise (grade, score, factors, evaluatedOn: today in
 * Zhengzhou), from the sectors' inputs carried in its representation (@requires) and the
 * registry's own records, read through the request's loaders (one statement per batch).
 * Throws SUBGRAPH_UNAVAILABLE when a sector gave no input (sectorSignalsOf).
 */
async function evaluationOf(enterprise: EnterpriseParent, loaders: Loaders) {
  const states = await statesOf(enterprise.uscc, loaders);
  const sectors = sectorSignalsOf(enterprise, states);
  const [records, listEntries, objections] = await Promise.all([
    registryRecordSignals(enterprise.uscc, loaders, states),
    loaders.listEntries.load(enterprise.uscc),
    loaders.objections.load(enterprise.uscc),
  ]);
  const active = (type: DishonestyListEntry['listType']) => listEntries.filter((e) => e.listType === type && isActive(e)).length;
  return {
    ...evaluate(sectors, {
      records,
      severeDishonestyListEntries: active('SEVERE_DISHONESTY'),
      abnormalOperationEntries: active('ABNORMAL_OPERATION'),
      upheldObjections: objections.filter((o) => o.status === 'UPHELD').length,
    }),
    evaluatedOn: businessToday(),
  };
}

function isOverdue(objection: Objection, today = businessToday()): boolean {
  return (objection.status === 'FILED' || objection.status === 'ANSWERED') && objection.dueOn < today;
}

/** In force on `today` (Zhengzhou's date): not removed, and `expiresOn` not yet reached. */
function isActive(entry: DishonestyListEntry, today = businessToday()): boolean {
  return entry.removedOn === null && entry.expiresOn > today;
}

function district(code: string) {
  return { code, name: ZHENGZHOU_DIVISIONS[code as keyof typeof ZHENGZHOU_DIVISIONS] ?? code };
}

function searchWhere(filter: SearchFilter | null | undefined): Prisma.EnterpriseWhereInput {
  if (!filter) return {};
  return {
    ...(filter.nameContains ? { name: containsText(filter.nameContains) } : {}),
    ...(filter.districtCode ? { divisionCode: filter.districtCode } : {}),
    ...(filter.industry ? { industry: filter.industry } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.onList
      ? { listEntries: { some: { listType: filter.onList, removedOn: null, expiresOn: { gt: businessToday() } } } }
      : {}),
  };
}

interface SearchFilter {
  nameContains?: string | null;
  districtCode?: string | null;
  industry?: string | null;
  status?: Enterprise['status'] | null;
  onList?: DishonestyListEntry['listType'] | null;
}

export const resolvers = {
  Query: {
    enterprise: (_: unknown, args: { uscc: string }, { loaders }: Context) => loaders.enterprise.load(args.uscc),

    // At most 500 codes: @bounds(maxItems: 500) in the SDL, checked before this runs.
    enterprises: (_: unknown, args: { usccs: string[] }, { loaders }: Context) => loaders.enterprise.loadMany(args.usccs),

    searchEnterprises: async (
      _: unknown,
      args: { filter?: SearchFilter | null; first?: number | null; after?: string | null },
      { db }: Context,
    ) => {
      const size = pageSize(args.first);
      const where = searchWhere(args.filter);
      const after = args.after ? decodeCursor(args.after) : undefined;
      const [rows, totalCount] = await Promise.all([
        db.enterprise.findMany({
          where: after ? { AND: [where, { uscc: { gt: after } }] } : where,
          orderBy: { uscc: 'asc' },
          take: size + 1,
        }),
        db.enterprise.count({ where }),
      ]);
      return toConnection(rows, size, (row) => row.uscc, totalCount);
    },

    districts: () => Object.keys(ZHENGZHOU_DIVISIONS).map(district),

    severeDishonestyList: async (_: unknown, args: { first?: number | null; after?: string | null }, { db }: Context) => {
      const size = pageSize(args.first);
      const where: Prisma.DishonestyListEntryWhereInput = { listType: 'SEVERE_DISHONESTY', removedOn: null, expiresOn: { gt: businessToday() } };
      const after = args.after ? decodeCursor(args.after) : undefined;
      const [rows, totalCount] = await Promise.all([
        db.dishonestyListEntry.findMany({ where: after ? { AND: [where, { id: { gt: after } }] } : where, orderBy: { id: 'asc' }, take: size + 1 }),
        db.dishonestyListEntry.count({ where }),
      ]);
      return toConnection(rows, size, (row) => row.id, totalCount);
    },

    // Regulators' work lists: a non-public record's objection or repair shows with a declared
    // purpose only, and is then on the audit record under its enterprise.
    overdueObjections: async (_root: unknown, _: unknown, context: Context) =>
      (await context.db.objection.findMany({ where: { status: { in: ['FILED', 'ANSWERED'] }, dueOn: { lt: businessToday() } }, orderBy: { dueOn: 'asc' } }))
        .filter((item) => lifecycleVisible(context, item)),
    openObjections: async (_root: unknown, _: unknown, context: Context) =>
      (await context.db.objection.findMany({ where: { status: { in: ['FILED', 'ANSWERED'] } }, orderBy: { dueOn: 'asc' } }))
        .filter((item) => lifecycleVisible(context, item)),
    openRepairApplications: async (_root: unknown, _: unknown, context: Context) =>
      (await context.db.repairApplication.findMany({ where: { status: 'APPLIED' }, orderBy: { appliedAt: 'asc' } }))
        .filter((item) => lifecycleVisible(context, item)),
  },

  Mutation: workflowMutations,

  Enterprise: {
    // The representation may carry required sector signals; they are kept beside the row.
    __resolveReference: async (reference: { uscc: string }, { loaders }: Context) => {
      const row = await loaders.enterprise.load(reference.uscc);
      return row && { ...reference, ...row };
    },
    // A natural person's name: unmasked only for a scope that may see personal data, and then
    // logged as a read of the enterprise (audit).
    legalRepresentative: (enterprise: Enterprise, _: unknown, context: Context) =>
      personalName(context, enterprise.legalRepresentative, enterprise.uscc),
    registeredCapital: (enterprise: Enterprise) => enterprise.registeredCapital.toNumber(),
    district: (enterprise: Enterprise) => district(enterprise.divisionCode),
    licenses: (enterprise: Enterprise, _: unknown, { loaders }: Context) => loaders.licenses.load(enterprise.uscc),
    penalties: async (enterprise: Enterprise, _: unknown, { loaders, caller, references }: Context) => {
      const [penalties, states] = await Promise.all([loaders.penalties.load(enterprise.uscc), statesOf(enterprise.uscc, loaders)]);
      return visibleRecords(PENALTY, penalties.map((p) => ({ ...p, decidedOn: p.decisionDate })), states, caller, references);
    },
    listEntries: (enterprise: Enterprise, _: unknown, { loaders }: Context) => loaders.listEntries.load(enterprise.uscc),
    onSevereDishonestyList: async (enterprise: Enterprise, _: unknown, { loaders }: Context) =>
      (await loaders.listEntries.load(enterprise.uscc)).some(
        (entry) => entry.listType === 'SEVERE_DISHONESTY' && isActive(entry),
      ),
    commitments: async (enterprise: Enterprise, _: unknown, { loaders, caller, references }: Context) => {
      const [commitments, states] = await Promise.all([loaders.commitments.load(enterprise.uscc), statesOf(enterprise.uscc, loaders)]);
      // A breach is a negative record: it leaves the list with its publication, like any other.
      return commitments.filter((commitment) => {
        const breach = asBreach(commitment);
        return !breach || visibleRecords(COMMITMENT_BREACH, [breach], states, caller, references).length > 0;
      });
    },
    // The visibility of lifecycle data follows the record's (issue 9 §8). A state the caller may
    // not see keeps its place under a sealed key: the sectors (which receive these states through
    // @requires) still count the record right, and the caller learns nothing about it.
    creditRecordStates: async (enterprise: Enterprise, _: unknown, context: Context) => {
      const { loaders, references } = context;
      const [objections, repairs] = await Promise.all([loaders.objections.load(enterprise.uscc), loaders.repairs.load(enterprise.uscc)]);
      const items = new Map([...objections, ...repairs].map((item) => [item.recordKey, item]));
      return creditRecordStates(objections, repairs).map((state) =>
        lifecycleVisible(context, items.get(state.key)!, false) ? state : { ...state, key: references.seal(state.key) },
      );
    },
    objections: async (enterprise: Enterprise, _: unknown, context: Context) =>
      (await context.loaders.objections.load(enterprise.uscc)).filter((item) => lifecycleVisible(context, item)),
    repairApplications: async (enterprise: Enterprise, _: unknown, context: Context) =>
      (await context.loaders.repairs.load(enterprise.uscc)).filter((item) => lifecycleVisible(context, item)),
    evaluation: (enterprise: EnterpriseParent, _: unknown, { loaders }: Context) => evaluationOf(enterprise, loaders),
    // Credit verification (信用核查): the measures of the reviewed catalogue that apply today.
    creditMeasures: async (enterprise: EnterpriseParent, args: { scenario: VerificationScenario }, { loaders, references, caller, reads }: Context) => {
      // The scenario is the agency's declared purpose (as the gateway's creditVerification checks).
      if (!caller.purpose) throw creditGraphError('PURPOSE_REQUIRED', `A credit verification declares its scenario as the purpose (x-credit-purpose: ${args.scenario})`);
      if (caller.purpose !== args.scenario) {
        throw creditGraphError('BAD_USER_INPUT', `The scenario ${args.scenario} differs from the declared purpose ${caller.purpose}`, { argumentName: 'scenario' });
      }
      // A verification is on the audit record under the enterprise (its query records show it).
      reads.read.add(enterprise.uscc);
      const today = businessToday();
      const [evaluation, states, listEntries, penalties, commitments] = await Promise.all([
        evaluationOf(enterprise, loaders),
        statesOf(enterprise.uscc, loaders),
        loaders.listEntries.load(enterprise.uscc),
        loaders.penalties.load(enterprise.uscc),
        loaders.commitments.load(enterprise.uscc),
      ]);
      const facts = creditFacts({
        uscc: enterprise.uscc,
        today,
        states,
        references,
        listEntries,
        penalties,
        commitments,
        sectorRecords: Object.values(EVALUATION_INPUT_FIELDS).map((field) => enterprise[field]?.records),
        evaluation: { grade: evaluation.grade, score: evaluation.score, evaluatedOn: evaluation.evaluatedOn },
      });
      return { scenario: args.scenario, ...applyMeasures(facts, args.scenario, today), evaluation, catalogueVersion: MEASURES.version, decidedOn: today };
    },
    // The supervision class follows the evaluation, or the severe-dishonesty list (分级分类监管,
    // supervision.ts); the rule in
    // permissions.ts opens it to regulators and sector platforms only.
    supervision: async (enterprise: EnterpriseParent, _: unknown, { loaders }: Context) => {
      // The list entries are the evaluation's own (one loader batch): no statement more.
      const [evaluation, listEntries] = await Promise.all([evaluationOf(enterprise, loaders), loaders.listEntries.load(enterprise.uscc)]);
      const severeDishonestyListEntries = listEntries.filter((entry) => entry.listType === 'SEVERE_DISHONESTY' && isActive(entry)).length;
      return { ...supervisionFor(evaluation.grade, { severeDishonestyListEntries }), grade: evaluation.grade, score: evaluation.score, evaluatedOn: evaluation.evaluatedOn };
    },
  },

  Objection: {
    overdue: (objection: Objection) => isOverdue(objection),
  },

  CreditCommitment: {
    status: (commitment: CreditCommitment) => commitmentStatus(commitment),
    sector: (commitment: CreditCommitment) => commitmentSector.fromSector(commitment.sector),
    publication: async (commitment: CreditCommitment, _: unknown, { loaders, references }: Context) => {
      const breach = asBreach(commitment);
      return breach && publish(COMMITMENT_BREACH, breach, await statesOf(commitment.uscc, loaders), references).publication;
    },
  },

  AdministrativePenalty: {
    fineAmount: (penalty: { fineAmount: Prisma.Decimal }) => penalty.fineAmount.toNumber(),
    confiscatedAmount: (penalty: { confiscatedAmount: Prisma.Decimal }) => penalty.confiscatedAmount.toNumber(),
  },

  DishonestyListEntry: {
    active: (entry: DishonestyListEntry) => isActive(entry),
    enterprise: (entry: DishonestyListEntry, _: unknown, { loaders }: Context) => loaders.enterprise.load(entry.uscc),
  },
};
