// Who may read and do what in the registry. Base data, 双公示 records, lists, commitments and
// the evaluation are public information by declaration (the legal representative's name is
// masked in the resolver). Objections, repairs and record states are public when the record
// they are about is (every reader must see that a public record is disputed); those about a
// non-public record are filtered in the resolvers by the record's own rule (lifecycleVisible,
// issue 9 §8). Workflow steps belong to the enterprise concerned, the owning sector
// platform or a regulator; the resolvers check that the record is the caller's to act on.
import { anySectorPlatform, creditVerifier, enterpriseSelf, isPublic, listManager, sectorPlatformOrRegulator, supervisor } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: {
    enterprise: isPublic,
    enterprises: isPublic,
    searchEnterprises: isPublic,
    districts: isPublic,
    severeDishonestyList: isPublic,
    overdueObjections: listManager,
    openObjections: listManager,
    openRepairApplications: listManager,
  },
  Mutation: {
    fileObjection: enterpriseSelf,
    answerObjection: anySectorPlatform,
    decideObjection: listManager,
    applyForCreditRepair: enterpriseSelf,
    decideCreditRepair: listManager,
    addListEntry: listManager,
    removeListEntry: listManager,
    makeCreditCommitment: enterpriseSelf,
    recordCommitmentOutcome: sectorPlatformOrRegulator,
  },
  // creditMeasures: a public agency's verification (scope credit:verify), audited and stored by the gateway.
  Enterprise: { '*': isPublic, creditMeasures: creditVerifier, supervision: supervisor },
  Supervision: { '*': isPublic },
  District: { '*': isPublic },
  AdministrativeLicense: { '*': isPublic },
  AdministrativePenalty: { '*': isPublic },
  DishonestyListEntry: { '*': isPublic },
  DishonestyListConnection: { '*': isPublic },
  DishonestyListEdge: { '*': isPublic },
  CreditCommitment: { '*': isPublic },
  CreditRecordState: { '*': isPublic },
  Publication: { '*': isPublic },
  Objection: { '*': isPublic },
  RepairApplication: { '*': isPublic },
  CreditEvaluation: { '*': isPublic },
  EvaluationFactor: { '*': isPublic },
  EnterpriseConnection: { '*': isPublic },
  EnterpriseEdge: { '*': isPublic },
  CreditMeasures: { '*': isPublic },
  AppliedMeasure: { '*': isPublic },
  TriggerRecord: { '*': isPublic },
  LegalBasis: { '*': isPublic },
};
