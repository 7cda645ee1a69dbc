import { businessToday, clock, isoDate } from '@credit-graph/contract';
import {
  addMonths,
  assertNotFuture,
  assertNotNegative,
  assertOrder,
  assertText,
  idempotentWrite,
  inputError,
  newRecordId,
  pageSize,
  publish,
  recordStatesOf,
  countedSignals,
  evaluationInput,
  visibleRecords,
  withRecordStates,
  type EnterpriseRepresentation,
  type NegativeRecordKind,
  type RecordStates,
  type SubgraphContext,
} from '@credit-graph/subgraph-kit';
import type {
  LogisticsCategory,
  LogisticsCredit,
  LogisticsCreditRating,
  LogisticsIncident,
  Prisma,
  PrismaClient,
  SupplyChainPartner,
  SupplyChainProfile,
  TraceabilityCode,
  TraceabilityStage,
  TraceabilityStep,
} from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';
import { assertTraceabilityCode, TRACEABILITY_CODE_PATTERN, TRACEABILITY_CODE_PREFIX } from './traceability-code.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

/** The profile and its ratings carry the enterprise's record states down to its incidents. */
type Profile = SupplyChainProfile & { states: RecordStates };
/** A rating as read through the profile (with states) or returned by a write (without). */
type Credit = LogisticsCredit & { states?: RecordStates };

const INCIDENT: NegativeRecordKind = { source: 'supply-chain', kind: 'LogisticsIncident' };

/** Best first: on the same assessment day, the worse of two ratings is the one that counts. */
const RATING_ORDER: readonly LogisticsCreditRating[] = ['AAA', 'AA', 'A', 'B', 'C'];
/** A rating is valid three years from its assessment unless the input says otherwise. */
const RATING_VALIDITY_MONTHS = 36;
/** Losses are stored as DECIMAL(14, 4) in 10k CNY. */
const MAX_LOSSES = 1e10;
/** Temperatures a cold chain or a warehouse can plausibly record, in °C. */
const TEMPERATURE_RANGE = [-80, 80] as const;
/** Clock skew tolerated between the platform and this subgraph for a step's time. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** A federation reference: the gateway fetches the enterprise's other fields from their owners. */
const enterpriseReference = (uscc: string) => ({ uscc });

/**
 * The sector's grade: the rating of the latest assessment still valid today, whatever its
 * category (the worse one when two categories were rated the same day); null when none is.
 */
export function currentLogisticsRating(credits: readonly LogisticsCredit[], today = businessToday()): LogisticsCreditRating | null {
  let current: LogisticsCredit | undefined;
  for (const credit of credits) {
    if (credit.validUntil < today) continue;
    if (
      !current ||
      credit.ratedOn > current.ratedOn ||
      (credit.ratedOn.getTime() === current.ratedOn.getTime() && RATING_ORDER.indexOf(credit.rating) > RATING_ORDER.indexOf(current.rating))
    ) {
      current = credit;
    }
  }
  return current?.rating ?? null;
}

/** The subject row every record hangs on: created by the enterprise's first supply-chain record. */
function ensureSubject(tx: Prisma.TransactionClient, uscc: string) {
  const updatedOn = businessToday();
  return tx.supplyChainProfile.upsert({ where: { uscc }, create: { uscc, updatedOn }, update: { updatedOn } });
}

interface IncidentInput {
  uscc: string;
  category: LogisticsCategory;
  kind: LogisticsIncident['kind'];
  occurredOn: Date;
  decidedOn: Date;
  description: string;
  losses: number;
  severity: LogisticsIncident['severity'];
}
interface RatingInput {
  uscc: string;
  category: LogisticsCategory;
  rating: LogisticsCreditRating;
  ratedBy: string;
  ratedOn: Date;
  validUntil?: Date | null;
}
interface StepInput {
  code: string;
  stage: TraceabilityStage;
  operatorUscc: string;
  location: string;
  at: Date;
  temperatureCelsius?: number | null;
  note?: string | null;
}
type WriteArgs<Input> = { input: Input; idempotencyKey: string };

/** What supply-chain hands the evaluation: the current logistics rating and the incidents in their window. */
async function supplyChainEvaluationInput(uscc: string, loaders: Loaders) {
  const [credits, incidents] = await Promise.all([loaders.logisticsCredits.load(uscc), loaders.incidents.load(uscc)]);
  return evaluationInput(currentLogisticsRating(credits), incidents, INCIDENT);
}

export const resolvers = {
  Query: {
    traceabilityCode: (_: unknown, args: { code: string }, { loaders }: Context) =>
      loaders.traceabilityCode.load(assertTraceabilityCode(args.code)),
  },

  Mutation: {
    recordLogisticsIncident: async (_: unknown, { input, idempotencyKey }: WriteArgs<IncidentInput>, context: Context) => {
      assertNotFuture('input.occurredOn', input.occurredOn);
      assertNotFuture('input.decidedOn', input.decidedOn);
      assertOrder('input.decidedOn', input.decidedOn, 'input.occurredOn', input.occurredOn);
      const description = assertText('input.description', input.description);
      assertNotNegative('input.losses', input.losses);
      if (input.losses >= MAX_LOSSES) throw inputError('input.losses', `must be below ${MAX_LOSSES} (10,000 CNY), got ${input.losses}`);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordLogisticsIncident', input }, async (tx) => {
        await ensureSubject(tx, input.uscc);
        const incident = await tx.logisticsIncident.create({ data: { ...input, id: newRecordId('lgi'), description } });
        return {
          id: incident.id,
          changes: [{
            uscc: input.uscc,
            kind: 'NEGATIVE_RECORD',
            source: 'supply-chain',
            summary: `Logistics incident (${input.severity}): ${input.kind} in ${input.category}, occurred ${isoDate(input.occurredOn)}`,
            recordId: incident.id,
          }],
        };
      });
      return publish(INCIDENT, await context.db.logisticsIncident.findUniqueOrThrow({ where: { id } }), new Map(), context.references);
    },

    recordLogisticsCreditRating: async (_: unknown, { input, idempotencyKey }: WriteArgs<RatingInput>, context: Context) => {
      const ratedBy = assertText('input.ratedBy', input.ratedBy, 200);
      assertNotFuture('input.ratedOn', input.ratedOn);
      const validUntil = input.validUntil ?? addMonths(input.ratedOn, RATING_VALIDITY_MONTHS);
      if (validUntil <= input.ratedOn) throw inputError('input.validUntil', 'must be after input.ratedOn');
      if (validUntil < businessToday()) {
        throw inputError('input.validUntil', `${isoDate(validUntil)} is past: the rating recorded becomes the category's current one`);
      }
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordLogisticsCreditRating', input }, async (tx) => {
        const current = await tx.logisticsCredit.findUnique({ where: { uscc_category: { uscc: input.uscc, category: input.category } } });
        if (current && input.ratedOn < current.ratedOn) {
          throw inputError('input.ratedOn', `must not be before the current ${input.category} rating's assessment (${isoDate(current.ratedOn)})`);
        }
        await ensureSubject(tx, input.uscc);
        const values = { rating: input.rating, ratedBy, ratedOn: input.ratedOn, validUntil };
        const credit = await tx.logisticsCredit.upsert({
          where: { uscc_category: { uscc: input.uscc, category: input.category } },
          create: { id: newRecordId('lgc'), uscc: input.uscc, category: input.category, ...values },
          update: values,
        });
        return {
          id: credit.id,
          changes: [{
            uscc: input.uscc,
            kind: 'SECTOR_RECORD',
            source: 'supply-chain',
            summary: `Logistics credit rating ${input.category}: ${input.rating}${current ? ` (was ${current.rating})` : ''}, valid until ${isoDate(validUntil)}`,
            recordId: credit.id,
          }],
        };
      });
      return context.db.logisticsCredit.findUniqueOrThrow({ where: { id } });
    },

    recordTraceabilityStep: async (_: unknown, { input, idempotencyKey }: WriteArgs<StepInput>, context: Context) => {
      if (!TRACEABILITY_CODE_PATTERN.test(input.code)) {
        throw inputError('input.code', `must be "${TRACEABILITY_CODE_PREFIX}" followed by 12 capital letters or digits, got "${input.code}"`);
      }
      const location = assertText('input.location', input.location, 200);
      const now = clock().now();
      if (input.at.getTime() > now.getTime() + CLOCK_SKEW_MS) {
        throw inputError('input.at', `${input.at.toISOString()} is in the future; now is ${now.toISOString()}`);
      }
      const temperature = input.temperatureCelsius ?? null;
      if (temperature !== null && !(temperature >= TEMPERATURE_RANGE[0] && temperature <= TEMPERATURE_RANGE[1])) {
        throw inputError('input.temperatureCelsius', `must be between ${TEMPERATURE_RANGE[0]} and ${TEMPERATURE_RANGE[1]} °C, got ${temperature}`);
      }
      const note = input.note == null ? null : assertText('input.note', input.note);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordTraceabilityStep', input }, async (tx) => {
        // Locks the code: two steps appended at once get consecutive sequence numbers, in turn.
        const [batch] = await tx.$queryRaw<Pick<TraceabilityCode, 'code' | 'uscc' | 'producedOn'>[]>`
          SELECT "code", "uscc", "producedOn" FROM "TraceabilityCode" WHERE "code" = ${input.code} FOR UPDATE`;
        if (!batch) throw inputError('input.code', `no product batch has traceability code ${input.code}`);
        const last = await tx.traceabilityStep.findFirst({ where: { code: batch.code }, orderBy: { sequence: 'desc' } });
        if (last && input.at < last.at) {
          throw inputError('input.at', `must not be before the route's last step (step ${last.sequence}, ${last.at.toISOString()})`);
        }
        if (!last) assertOrder('input.at', input.at, `the batch's production day (${isoDate(batch.producedOn)})`, batch.producedOn);
        const sequence = (last?.sequence ?? 0) + 1;
        await ensureSubject(tx, batch.uscc);
        const step = await tx.traceabilityStep.create({
          data: {
            id: `${batch.code}-${sequence}`,
            code: batch.code,
            sequence,
            stage: input.stage,
            operatorUscc: input.operatorUscc,
            location,
            at: input.at,
            temperatureCelsius: temperature,
            note,
          },
        });
        return {
          id: step.id,
          changes: [{
            uscc: batch.uscc,
            kind: 'SECTOR_RECORD',
            source: 'supply-chain',
            summary: `Traceability ${batch.code}: step ${sequence} ${input.stage} by ${input.operatorUscc}`,
            recordId: step.id,
          }],
        };
      });
      return context.db.traceabilityStep.findUniqueOrThrow({ where: { id } });
    },
  },

  Enterprise: {
    // The registry owns the entity; the key (and the record states it requires) is all this subgraph needs.
    __resolveReference: (reference: EnterpriseRepresentation) => reference,
    supplyChain: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) => {
      const profile = await loaders.profile.load(enterprise.uscc);
      return withRecordStates(profile, enterprise, references);
    },
    supplyChainSignals: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) =>
      countedSignals(await supplyChainEvaluationInput(enterprise.uscc, loaders), recordStatesOf(enterprise, references)),
    supplyChainEvaluationInput: (enterprise: EnterpriseRepresentation, _: unknown, { loaders }: Context) =>
      supplyChainEvaluationInput(enterprise.uscc, loaders),
  },

  SupplyChainProfile: {
    logisticsCredits: async (profile: Profile, _: unknown, { loaders }: Context) =>
      (await loaders.logisticsCredits.load(profile.uscc)).map((credit): Credit => ({ ...credit, states: profile.states })),
    incidents: async (profile: Profile, _: unknown, { loaders, caller, references }: Context) =>
      visibleRecords(INCIDENT, await loaders.incidents.load(profile.uscc), profile.states, caller, references),
    partners: (profile: Profile, _: unknown, { loaders }: Context) => loaders.partners.load(profile.uscc),
    traceabilityCodes: (profile: Profile, args: { first?: number | null }, { loaders }: Context) =>
      loaders.latestCodes(pageSize(args.first)).load(profile.uscc),
  },

  LogisticsCredit: {
    incidents: async (credit: Credit, _: unknown, { loaders, caller, references }: Context) => {
      const incidents = (await loaders.incidents.load(credit.uscc)).filter((incident) => incident.category === credit.category);
      return visibleRecords(INCIDENT, incidents, credit.states ?? new Map(), caller, references);
    },
  },

  LogisticsIncident: {
    losses: (incident: LogisticsIncident) => incident.losses.toNumber(),
  },

  SupplyChainPartner: {
    partner: (partner: SupplyChainPartner) => enterpriseReference(partner.partnerUscc),
    annualVolume: (partner: SupplyChainPartner) => partner.annualVolume.toNumber(),
  },

  TraceabilityCode: {
    producer: (code: TraceabilityCode) => enterpriseReference(code.uscc),
    steps: (code: TraceabilityCode, _: unknown, { loaders }: Context) => loaders.steps.load(code.code),
  },

  TraceabilityStep: {
    operator: (step: TraceabilityStep) => enterpriseReference(step.operatorUscc),
  },
};
