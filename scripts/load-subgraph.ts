// One subgraph's definition by name, loading only its own modules and Prisma client: a
// subgraph process (`credit-graph subgraph <name>`) loads neither the gateway nor the other
// subgraphs; the embedded launcher loads the six it hosts.

export type AnySubgraph = Parameters<typeof import('@credit-graph/subgraph-kit').runSubgraphProcess>[0];

/** One subgraph's definition, loading only its own modules and Prisma client. */
export async function loadSubgraph(name: string): Promise<AnySubgraph> {
  const loaders: Record<string, () => Promise<unknown>> = {
    registry: async () => (await import('@credit-graph/registry')).registry,
    finance: async () => (await import('@credit-graph/finance')).finance,
    'supply-chain': async () => (await import('@credit-graph/supply-chain')).supplyChain,
    environment: async () => (await import('@credit-graph/environment')).environment,
    housekeeping: async () => (await import('@credit-graph/housekeeping')).housekeeping,
    trade: async () => (await import('@credit-graph/trade')).trade,
  };
  const load = loaders[name];
  if (!load) throw new Error(`no loader for subgraph "${name}": add it here and to scripts/subgraphs.ts`);
  return (await load()) as AnySubgraph;
}
