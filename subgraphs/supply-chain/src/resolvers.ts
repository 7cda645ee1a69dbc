import { pageSize, type SubgraphContext } from '@credit-graph/subgraph-kit';
import type {
  LogisticsCredit,
  LogisticsIncident,
  PrismaClient,
  SupplyChainPartner,
  SupplyChainProfile,
  TraceabilityCode,
  TraceabilityStep,
} from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';
import { assertTraceabilityCode } from './traceability-code.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

/** A federation reference: the gateway fetches the enterprise's other fields from their owners. */
const enterpriseReference = (uscc: string) => ({ uscc });

export const resolvers = {
  Query: {
    traceabilityCode: (_: unknown, args: { code: string }, { loaders }: Context) =>
      loaders.traceabilityCode.load(assertTraceabilityCode(args.code)),
  },

  Enterprise: {
    __resolveReference: (reference: { uscc: string }) => enterpriseReference(reference.uscc),
    supplyChain: (enterprise: { uscc: string }, _: unknown, { loaders }: Context) => loaders.profile.load(enterprise.uscc),
  },

  SupplyChainProfile: {
    logisticsCredits: (profile: SupplyChainProfile, _: unknown, { loaders }: Context) =>
      loaders.logisticsCredits.load(profile.uscc),
    partners: (profile: SupplyChainProfile, _: unknown, { loaders }: Context) => loaders.partners.load(profile.uscc),
    traceabilityCodes: (profile: SupplyChainProfile, args: { first?: number | null }, { loaders }: Context) =>
      loaders.latestCodes(pageSize(args.first)).load(profile.uscc),
  },

  LogisticsCredit: {
    incidents: (credit: LogisticsCredit, _: unknown, { loaders }: Context) => loaders.incidents.load(credit.id),
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
