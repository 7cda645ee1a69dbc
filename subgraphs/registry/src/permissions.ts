// Who may read what in the registry: everything here is public information by declaration
// (base data and 双公示 records); the legal representative's name is masked in the resolver.
import { isPublic } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { enterprise: isPublic, enterprises: isPublic, searchEnterprises: isPublic, districts: isPublic },
  Enterprise: { '*': isPublic },
  District: { '*': isPublic },
  AdministrativeLicense: { '*': isPublic },
  AdministrativePenalty: { '*': isPublic },
  DishonestyListEntry: { '*': isPublic },
  CreditCommitment: { '*': isPublic },
  EnterpriseConnection: { '*': isPublic },
  EnterpriseEdge: { '*': isPublic },
};
