import { businessToday, creditGraphError } from '@credit-graph/contract';
import {
  assertNotFuture,
  assertNotNegative,
  assertOrder,
  assertText,
  decodeCursor,
  idempotentWrite,
  inputError,
  newRecordId,
  pageSize,
  publish,
  recordStatesOf,
  countedSignals,
  evaluationInput,
  toConnection,
  visibleRecords,
  withRecordStates,
  type EnterpriseRepresentation,
  type NegativeRecordKind,
  type RecordStates,
  type SubgraphContext,
} from '@credit-graph/subgraph-kit';
import type {
  DisclosureStatus,
  EnvironmentSubject,
  EnvironmentalRating,
  EnvironmentalRatingLevel,
  EnvironmentalViolation,
  Prisma,
  PrismaClient,
} from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';
import { FIRST_RATING_YEAR, levelForScore } from './rating.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

/** The profile carries the enterprise's record states down to its negative records. */
type Profile = EnvironmentSubject & { states: RecordStates };

const VIOLATION: NegativeRecordKind = { source: 'environment', kind: 'EnvironmentalViolation' };

interface RatingsArgs {
  year: number;
  level?: EnvironmentalRatingLevel | null;
  first?: number | null;
  after?: string | null;
}

function assertRatingYear(year: number, field?: string): void {
  const currentYear = businessToday().getUTCFullYear();
  if (year < FIRST_RATING_YEAR || year > currentYear) {
    const message = `must be between ${FIRST_RATING_YEAR} and ${currentYear} (a past or current year), got ${year}`;
    if (field) throw inputError(field, message, { minimum: FIRST_RATING_YEAR, maximum: currentYear });
    throw creditGraphError('BAD_USER_INPUT', `"year" ${message}`, { argumentName: 'year', minimum: FIRST_RATING_YEAR, maximum: currentYear });
  }
}

/** The subject row every record hangs on: created by the enterprise's first environmental record. */
function ensureSubject(tx: Prisma.TransactionClient, uscc: string) {
  return tx.environmentSubject.upsert({ where: { uscc }, create: { uscc }, update: {} });
}

/** Disclosure is due by 15 March of the following year. */
function disclosureStatus(input: { year: number; required: boolean; disclosedOn?: Date | null }): DisclosureStatus {
  if (!input.required) return 'NOT_REQUIRED';
  if (!input.disclosedOn) return 'NOT_DISCLOSED';
  return input.disclosedOn <= new Date(Date.UTC(input.year + 1, 2, 15)) ? 'DISCLOSED' : 'LATE';
}

interface RatingInput { uscc: string; year: number; score: number; ratedBy: string }
interface ViolationInput {
  uscc: string;
  decisionNumber: string;
  occurredOn: Date;
  decidedOn: Date;
  kind: EnvironmentalViolation['kind'];
  description: string;
  penaltyAmount: number;
  severity: EnvironmentalViolation['severity'];
  authority: string;
  authorityUscc: string;
}
interface DisclosureInput { uscc: string; year: number; required: boolean; disclosedOn?: Date | null }
interface EmissionInput { uscc: string; year: number; tonnesCo2e: number; verifier?: string | null }
type WriteArgs<Input> = { input: Input; idempotencyKey: string };

/** What environment hands the evaluation: the latest rating level and the violations in their window. */
async function environmentEvaluationInput(uscc: string, loaders: Loaders) {
  const [ratings, violations] = await Promise.all([loaders.ratings.load(uscc), loaders.violations.load(uscc)]);
  return evaluationInput(ratings[0]?.level ?? null, violations, VIOLATION);
}

export const resolvers = {
  Query: {
    environmentalRatings: async (_: unknown, args: RatingsArgs, { db }: Context) => {
      assertRatingYear(args.year);
      const size = pageSize(args.first);
      const after = args.after ? decodeCursor(args.after) : undefined;
      const where: Prisma.EnvironmentalRatingWhereInput = { year: args.year, ...(args.level ? { level: args.level } : {}) };
      const [rows, totalCount] = await Promise.all([
        db.environmentalRating.findMany({
          where: after ? { AND: [where, { uscc: { gt: after } }] } : where,
          orderBy: { uscc: 'asc' },
          take: size + 1,
        }),
        db.environmentalRating.count({ where }),
      ]);
      return toConnection(rows, size, (row) => row.uscc, totalCount);
    },
  },

  Mutation: {
    recordEnvironmentalRating: async (_: unknown, { input, idempotencyKey }: WriteArgs<RatingInput>, context: Context) => {
      assertRatingYear(input.year, 'input.year');
      if (!Number.isInteger(input.score) || input.score < 0 || input.score > 100) {
        throw inputError('input.score', `must be a whole number from 0 to 100, got ${input.score}`);
      }
      const ratedBy = assertText('input.ratedBy', input.ratedBy, 200);
      const level = levelForScore(input.score);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordEnvironmentalRating', input }, async (tx) => {
        await ensureSubject(tx, input.uscc);
        const rating = await tx.environmentalRating.upsert({
          where: { uscc_year: { uscc: input.uscc, year: input.year } },
          create: { id: newRecordId('er'), uscc: input.uscc, year: input.year, score: input.score, level, ratedBy },
          update: { score: input.score, level, ratedBy },
        });
        return {
          id: rating.id,
          changes: [{ uscc: input.uscc, kind: 'SECTOR_RECORD', source: 'environment', summary: `Environmental credit rating ${input.year}: ${level} (${input.score})`, recordId: rating.id }],
        };
      });
      return context.db.environmentalRating.findUniqueOrThrow({ where: { id } });
    },

    recordEnvironmentalViolation: async (_: unknown, { input, idempotencyKey }: WriteArgs<ViolationInput>, context: Context) => {
      const decisionNumber = assertText('input.decisionNumber', input.decisionNumber, 100);
      assertNotFuture('input.occurredOn', input.occurredOn);
      assertNotFuture('input.decidedOn', input.decidedOn);
      assertOrder('input.decidedOn', input.decidedOn, 'input.occurredOn', input.occurredOn);
      assertNotNegative('input.penaltyAmount', input.penaltyAmount);
      const description = assertText('input.description', input.description);
      const authority = assertText('input.authority', input.authority, 200);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordEnvironmentalViolation', input }, async (tx) => {
        if (await tx.environmentalViolation.findUnique({ where: { decisionNumber } })) {
          throw inputError('input.decisionNumber', `a violation with decision number ${decisionNumber} is already recorded`);
        }
        await ensureSubject(tx, input.uscc);
        const violation = await tx.environmentalViolation.create({
          data: { ...input, id: newRecordId('ev'), decisionNumber, description, authority, corrected: false },
        });
        return {
          id: violation.id,
          changes: [{ uscc: input.uscc, kind: 'NEGATIVE_RECORD', source: 'environment', summary: `Environmental violation (${input.severity}): ${input.kind}, decision ${decisionNumber}`, recordId: violation.id }],
        };
      });
      return publish(VIOLATION, await context.db.environmentalViolation.findUniqueOrThrow({ where: { id } }), new Map(), context.references);
    },

    recordViolationCorrected: async (
      _: unknown,
      args: { violationId: string; correctedOn: Date; idempotencyKey: string },
      context: Context,
    ) => {
      assertNotFuture('correctedOn', args.correctedOn);
      const id = await idempotentWrite(context.db, context, { key: args.idempotencyKey, operation: 'recordViolationCorrected', input: args }, async (tx) => {
        const violation = await tx.environmentalViolation.findUnique({ where: { id: args.violationId } });
        if (!violation) throw inputError('violationId', `no environmental violation has id ${args.violationId}`);
        assertOrder('correctedOn', args.correctedOn, 'the decision date', violation.decidedOn);
        await tx.environmentalViolation.update({ where: { id: violation.id }, data: { corrected: true, correctedOn: args.correctedOn } });
        return {
          id: violation.id,
          changes: [{ uscc: violation.uscc, kind: 'SECTOR_RECORD', source: 'environment', summary: `Violation ${violation.decisionNumber} corrected`, recordId: violation.id }],
        };
      });
      return publish(VIOLATION, await context.db.environmentalViolation.findUniqueOrThrow({ where: { id } }), new Map(), context.references);
    },

    recordEnvironmentalDisclosure: async (_: unknown, { input, idempotencyKey }: WriteArgs<DisclosureInput>, context: Context) => {
      assertRatingYear(input.year, 'input.year');
      if (input.disclosedOn) assertNotFuture('input.disclosedOn', input.disclosedOn);
      const status = disclosureStatus(input);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordEnvironmentalDisclosure', input }, async (tx) => {
        await ensureSubject(tx, input.uscc);
        const values = { required: input.required, status, disclosedOn: input.disclosedOn ?? null };
        const disclosure = await tx.environmentalDisclosure.upsert({
          where: { uscc_year: { uscc: input.uscc, year: input.year } },
          create: { id: newRecordId('ed'), uscc: input.uscc, year: input.year, ...values },
          update: values,
        });
        return {
          id: disclosure.id,
          changes: [{ uscc: input.uscc, kind: 'SECTOR_RECORD', source: 'environment', summary: `Environmental disclosure ${input.year}: ${status}`, recordId: disclosure.id }],
        };
      });
      return context.db.environmentalDisclosure.findUniqueOrThrow({ where: { id } });
    },

    recordCarbonEmission: async (_: unknown, { input, idempotencyKey }: WriteArgs<EmissionInput>, context: Context) => {
      assertRatingYear(input.year, 'input.year');
      assertNotNegative('input.tonnesCo2e', input.tonnesCo2e);
      const verifier = input.verifier == null ? null : assertText('input.verifier', input.verifier, 200);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordCarbonEmission', input }, async (tx) => {
        await ensureSubject(tx, input.uscc);
        const values = { tonnesCo2e: input.tonnesCo2e, verified: verifier !== null, verifier };
        const emission = await tx.carbonEmission.upsert({
          where: { uscc_year: { uscc: input.uscc, year: input.year } },
          create: { id: newRecordId('ce'), uscc: input.uscc, year: input.year, ...values },
          update: values,
        });
        return {
          id: emission.id,
          changes: [{ uscc: input.uscc, kind: 'SECTOR_RECORD', source: 'environment', summary: `Carbon emissions ${input.year} reported`, recordId: emission.id }],
        };
      });
      return context.db.carbonEmission.findUniqueOrThrow({ where: { id } });
    },
  },

  Enterprise: {
    // The registry owns the entity; the key (and the record states it requires) is all this subgraph needs.
    __resolveReference: (reference: EnterpriseRepresentation) => reference,
    environment: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) => {
      const subject = await loaders.profile.load(enterprise.uscc);
      return withRecordStates(subject, enterprise, references);
    },
    environmentSignals: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) =>
      countedSignals(await environmentEvaluationInput(enterprise.uscc, loaders), recordStatesOf(enterprise, references)),
    environmentEvaluationInput: (enterprise: EnterpriseRepresentation, _: unknown, { loaders }: Context) =>
      environmentEvaluationInput(enterprise.uscc, loaders),
  },

  EnvironmentProfile: {
    currentRating: async (profile: Profile, _: unknown, { loaders }: Context) => (await loaders.ratings.load(profile.uscc))[0] ?? null,
    ratings: (profile: Profile, _: unknown, { loaders }: Context) => loaders.ratings.load(profile.uscc),
    violations: async (profile: Profile, _: unknown, { loaders, caller, references }: Context) =>
      visibleRecords(VIOLATION, await loaders.violations.load(profile.uscc), profile.states, caller, references),
    disclosures: (profile: Profile, _: unknown, { loaders }: Context) => loaders.disclosures.load(profile.uscc),
    emissions: (profile: Profile, _: unknown, { loaders }: Context) => loaders.emissions.load(profile.uscc),
  },

  EnvironmentalViolation: {
    penaltyAmount: (violation: EnvironmentalViolation) => violation.penaltyAmount.toNumber(),
  },

  EnvironmentalRatingListing: {
    enterprise: (rating: EnvironmentalRating) => ({ uscc: rating.uscc }),
  },
};
