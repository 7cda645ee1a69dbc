// What the load is: the operations a bank and the public send, and the request lists each
// scenario cycles through (round-robin), so that no run is one cached row.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ZHENGZHOU_DIVISIONS } from '@credit-graph/contract';
import type { SeedEnterprise } from '@credit-graph/subgraph-kit';

export type ScenarioName = 'single' | 'portfolio100' | 'portfolio500' | 'search';
export const SCENARIOS: ScenarioName[] = ['single', 'portfolio100', 'portfolio500', 'search'];

export const SCENARIO_TITLES: Record<ScenarioName, string> = {
  single: 'Single full credit check (one enterprise, all six subgraphs)',
  portfolio100: 'Portfolio check, 100 enterprises',
  portfolio500: 'Portfolio check, 500 enterprises',
  search: 'Public search page (20 enterprises, district x industry)',
};

/** A portfolio check across all six sectors; tests/credit-check.test.ts asserts its SQL bound. */
export const PORTFOLIO_QUERY = `query PortfolioCheck($usccs: [USCC!]!) {
  enterprises(usccs: $usccs) {
    uscc name onSevereDishonestyList penalties { severity } listEntries { listType } commitments { status }
    finance { currentTaxCreditLevel taxCredits { level } socialInsurance { monthsInArrears } utilities { onTimeRate } loans { status } housingFund { monthsInArrears } }
    supplyChain { logisticsCredits { rating incidents { kind } } partners { relation partner { uscc } } }
    environment { currentRating { level } violations { kind } disclosures { status } emissions { year } }
    housekeeping { serviceRating complaints { category } workers(first: 5) { id backgroundCheck { outcome } } }
    elderlyCare { grade inspections { result } penalties { amount } commitments { content } }
    trade { customsCredit { category history { category } } volumes { year } declarationViolations { kind } investments { country } }
  }
}`;

/** A public search page: the playground's search selection, filtered by district and industry. */
export const SEARCH_QUERY = `query PublicSearch($filter: EnterpriseFilter) {
  searchEnterprises(filter: $filter, first: 20) {
    totalCount
    edges { node { uscc name district { name } onSevereDishonestyList listEntries { authority reason measures } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const INDUSTRIES = [
  'AGRICULTURE', 'MANUFACTURING', 'UTILITIES', 'CONSTRUCTION', 'WHOLESALE_RETAIL', 'TRANSPORT_LOGISTICS', 'HOSPITALITY',
  'INFORMATION_TECHNOLOGY', 'REAL_ESTATE', 'BUSINESS_SERVICES', 'RESEARCH_TECHNOLOGY', 'RESIDENT_SERVICES', 'HEALTH_SOCIAL_WORK',
];

/** The bank's single check: the playground's first example, the one tests/credit-check.test.ts runs. */
export function singleCheckQuery(root: string): string {
  const examples = JSON.parse(readFileSync(path.join(root, 'gateway/src/playground/examples.json'), 'utf8')) as { query: string }[];
  const query = examples[0]?.query;
  if (!query?.includes('enterprise(uscc: $uscc)')) throw new Error('The first playground example is no longer the single credit check');
  return query;
}

export interface Scenario {
  name: ScenarioName;
  /** JSON bodies, sent round-robin. */
  bodies: string[];
  /** Whether the bank's credentials go with it on the trust-on gateway (the search page is anonymous). */
  bank: boolean;
  /** What a correct answer to body `i` looks like; returns a reason when it is not. */
  check(data: unknown, i: number): string | undefined;
}

/** Every `stride`-th enterprise of the universe: the enterprises the bank checks (and has consent for). */
export function enterprisePool(universe: SeedEnterprise[], size: number): SeedEnterprise[] {
  const stride = Math.max(1, Math.floor(universe.length / size));
  return Array.from({ length: Math.min(size, universe.length) }, (_, i) => universe[i * stride]!);
}

function body(query: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

export function buildScenarios(root: string, pool: SeedEnterprise[]): Scenario[] {
  const single = singleCheckQuery(root);
  const portfolios = (size: number) => {
    const lists: SeedEnterprise[][] = [];
    for (let start = 0; start + size <= pool.length; start += size) lists.push(pool.slice(start, start + size));
    return lists;
  };
  const portfolio = (name: ScenarioName, size: number): Scenario => {
    const lists = portfolios(size);
    return {
      name,
      bank: true,
      bodies: lists.map((list) => body(PORTFOLIO_QUERY, { usccs: list.map((e) => e.uscc) })),
      check(data, i) {
        const answered = (data as { enterprises?: ({ uscc: string } | null)[] } | null)?.enterprises;
        if (!Array.isArray(answered)) return 'no enterprises list';
        if (answered.length !== size) return `${answered.length} enterprises instead of ${size}`;
        const expected = lists[i % lists.length]!;
        if (answered.some((e, k) => e?.uscc !== expected[k]!.uscc)) return 'enterprises out of order or missing';
        return undefined;
      },
    };
  };
  const filters = Object.keys(ZHENGZHOU_DIVISIONS).flatMap((districtCode) => INDUSTRIES.map((industry) => ({ districtCode, industry })));
  return [
    {
      name: 'single',
      bank: true,
      bodies: pool.map((e) => body(single, { uscc: e.uscc })),
      check(data, i) {
        const enterprise = (data as { enterprise?: { uscc: string; name: string; finance: unknown } | null } | null)?.enterprise;
        const expected = pool[i % pool.length]!;
        if (!enterprise) return 'enterprise is null';
        if (enterprise.uscc !== expected.uscc || enterprise.name !== expected.name) return `answered ${enterprise.uscc}, expected ${expected.uscc}`;
        if (expected.sectors.finance && !enterprise.finance) return 'finance missing for an enterprise with finance records';
        return undefined;
      },
    },
    portfolio('portfolio100', 100),
    portfolio('portfolio500', 500),
    {
      name: 'search',
      bank: false,
      bodies: filters.map((filter) => body(SEARCH_QUERY, { filter })),
      check(data) {
        const page = (data as { searchEnterprises?: { totalCount: number; edges: unknown[] } } | null)?.searchEnterprises;
        if (!page) return 'no search page';
        if (page.edges.length > 20 || page.edges.length > page.totalCount) return 'inconsistent page';
        return undefined;
      },
    },
  ];
}
