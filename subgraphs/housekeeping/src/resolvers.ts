import { creditGraphError, WORKER_ID_PATTERN } from '@credit-graph/contract';
import { ageBand, maskName, pageSize, personalDataVisible, type SubgraphContext } from '@credit-graph/subgraph-kit';
import type {
  ElderlyCareInstitution,
  ElderlyCarePenalty,
  HousekeepingCompany,
  PrismaClient,
  Worker,
  WorkerServiceRecord,
} from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;
type EnterpriseReference = { uscc: string };

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
  today: Date = new Date(),
): UngradedReason | null {
  if (!institution.filed) return 'UNFILED';
  if (institution.onDishonestyList) return 'ON_DISHONESTY_LIST';
  const cutoff = new Date(today);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - GRADE_WITHHELD_AFTER_PENALTY_YEARS);
  if (penalties.some((penalty) => penalty.decidedOn > cutoff)) return 'PENALIZED_WITHIN_2_YEARS';
  if (institution.assessedGrade === null) return 'NOT_ASSESSED';
  return null;
}

async function institutionUngradedReason(institution: ElderlyCareInstitution, loaders: Loaders) {
  return ungradedReason(institution, await loaders.elderlyCarePenalties.load(institution.uscc));
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

  Enterprise: {
    // Registry owns the enterprise: a reference needs no read of ours until a field asks.
    __resolveReference: (reference: EnterpriseReference) => ({ uscc: reference.uscc }),
    housekeeping: (enterprise: EnterpriseReference, _: unknown, { loaders }: Context) => loaders.company.load(enterprise.uscc),
    elderlyCare: (enterprise: EnterpriseReference, _: unknown, { loaders }: Context) => loaders.institution.load(enterprise.uscc),
  },

  HousekeepingCompany: {
    complaintCount: async (company: HousekeepingCompany, _: unknown, { loaders }: Context) =>
      (await loaders.complaints.load(company.uscc)).length,
    complaints: (company: HousekeepingCompany, _: unknown, { loaders }: Context) => loaders.complaints.load(company.uscc),
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
    name: (worker: Worker, _: unknown, { caller }: Context) =>
      personalDataVisible(caller, worker.id) ? worker.name : maskName(worker.name),
    // Platform registration requires adults; the band is clamped should a record say otherwise.
    ageBand: (worker: Worker) => {
      const band = ageBand(worker.birthDate);
      return band === 'UNDER_18' ? 'AGE_18_25' : band;
    },
    certificates: (worker: Worker, _: unknown, { loaders }: Context) => loaders.certificates.load(worker.id),
    trainings: (worker: Worker, _: unknown, { loaders }: Context) => loaders.trainings.load(worker.id),
    backgroundCheck: (worker: Worker) => ({
      outcome: worker.backgroundOutcome,
      checkedOn: worker.backgroundCheckedOn,
      flaggedCategories: worker.backgroundOutcome === 'FLAGGED' ? worker.flaggedCategories : [],
    }),
    serviceHistory: (worker: Worker, _: unknown, { loaders }: Context) => loaders.serviceRecords.load(worker.id),
    rating: (worker: Worker) => ({ average: worker.ratingAverage, count: worker.ratingCount }),
    employer: (worker: Worker): EnterpriseReference | null => (worker.uscc ? { uscc: worker.uscc } : null),
  },

  WorkerServiceRecord: {
    employer: (record: WorkerServiceRecord): EnterpriseReference => ({ uscc: record.employerUscc }),
  },

  ElderlyCareInstitution: {
    grade: async (institution: ElderlyCareInstitution, _: unknown, { loaders }: Context) =>
      (await institutionUngradedReason(institution, loaders)) === null ? institution.assessedGrade : null,
    ungradedReason: (institution: ElderlyCareInstitution, _: unknown, { loaders }: Context) =>
      institutionUngradedReason(institution, loaders),
    inspections: (institution: ElderlyCareInstitution, _: unknown, { loaders }: Context) => loaders.inspections.load(institution.uscc),
    penalties: (institution: ElderlyCareInstitution, _: unknown, { loaders }: Context) =>
      loaders.elderlyCarePenalties.load(institution.uscc),
    commitments: (institution: ElderlyCareInstitution, _: unknown, { loaders }: Context) =>
      loaders.elderlyCareCommitments.load(institution.uscc),
  },

  ElderlyCarePenalty: {
    amount: (penalty: ElderlyCarePenalty) => penalty.amount.toNumber(),
  },
};
