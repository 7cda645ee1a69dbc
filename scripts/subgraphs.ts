// Every subgraph's definition by name, for the repository's tooling (seeding, migrating, the
// CLI, tests). The gateway never imports these: it knows subgraphs only through the supergraph.
import { registry } from '@credit-graph/registry';
import { finance } from '@credit-graph/finance';
import { supplyChain } from '@credit-graph/supply-chain';
import { environment } from '@credit-graph/environment';
import { housekeeping } from '@credit-graph/housekeeping';
import { trade } from '@credit-graph/trade';

export const SUBGRAPH_DEFINITIONS = {
  registry,
  finance,
  'supply-chain': supplyChain,
  environment,
  housekeeping,
  trade,
};

export type SubgraphName = keyof typeof SUBGRAPH_DEFINITIONS;

export const SUBGRAPH_NAMES = Object.keys(SUBGRAPH_DEFINITIONS) as SubgraphName[];

export function isSubgraphName(name: string): name is SubgraphName {
  return Object.hasOwn(SUBGRAPH_DEFINITIONS, name);
}

