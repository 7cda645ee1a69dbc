// A regulator's list of enterprises by supervision class and district (分级分类监管). The class
// follows the comprehensive evaluation, which the registry computes from every sector's input
// (@requires): there is no stored class to filter on. So the list walks the district's
// enterprises in code order, a page of SCAN_PAGE at a time, through the graph (one registry
// search and one batched evaluation per sector per page: a constant number of SQL statements per
// subgraph per page, never one per enterprise), keeps those of the class asked for, and stops
// when the page is full or after MAX_SCAN_PAGES pages. Cost bound per request: MAX_SCAN_PAGES
// x SCAN_PAGE enterprises evaluated. When the bound stops it early, the page holds fewer items
// than asked and `hasNextPage` is true: the cursor resumes after the last enterprise looked at.
import { creditGraphError, type Caller } from '@credit-graph/contract';
import type { RequestReads } from '../audit/policy.ts';
import type { InternalExecutor } from '../transport/internal.ts';

/** Enterprises evaluated per graph read (the registry's page limit). */
export const SCAN_PAGE = 100;
/** Graph reads per request at most: the list evaluates at most SCAN_PAGE x this many enterprises. */
export const MAX_SCAN_PAGES = 5;

const SCAN_QUERY = `query SupervisionScan($district: String!, $after: String, $first: Int!) {
  searchEnterprises(filter: { districtCode: $district }, first: $first, after: $after) {
    edges { cursor node { uscc supervision { class rate keySupervision } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface ScanPage {
  edges: { cursor: string; node: { uscc: string; supervision: { class: string; rate: number; keySupervision: boolean } | null } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface SupervisionListArgs {
  districtCode: string;
  class?: string | null;
  first: number;
  after?: string | null;
}

/**
 * One page of the list. In: the district (a Zhengzhou division code), the class (none: every
 * class), page size (1-100) and the cursor of the previous page. Out: edges of { cursor,
 * node: { uscc, class, rate, keySupervision } } and pageInfo. Errors: BAD_USER_INPUT (a cursor
 * or district the registry refuses), SUBGRAPH_UNAVAILABLE when an evaluation cannot be computed
 * (a sector down: no class is guessed), FORBIDDEN for anyone but a regulator.
 */
export async function supervisionList(execute: InternalExecutor, caller: Caller, reads: RequestReads | undefined, args: SupervisionListArgs) {
  if (caller.role !== 'REGULATOR') throw creditGraphError('FORBIDDEN', "The list of enterprises by supervision class is for regulators");
  if (!/^\d{6}$/.test(args.districtCode)) {
    throw creditGraphError('BAD_USER_INPUT', `districtCode is a six-digit division code (e.g. 410108), got "${args.districtCode}"`, { argumentName: 'districtCode' });
  }
  const items: { cursor: string; node: { uscc: string; class: string; rate: number; keySupervision: boolean } }[] = [];
  let after = args.after ?? null;
  let hasNextPage = true;
  let scanned = 0;
  for (let page = 0; page < MAX_SCAN_PAGES && items.length < args.first && hasNextPage; page++) {
    const result = await execute(SCAN_QUERY, { district: args.districtCode, after, first: SCAN_PAGE }, { caller, reads });
    const errors = result.errors ?? [];
    if (errors.length > 0) {
      // Every error is looked at, not the first: a sector whose database is down fails its
      // evaluation input (INTERNAL_SERVER_ERROR, listed first) and the registry then says
      // SUBGRAPH_UNAVAILABLE for the class; the answer is the latter, as for a sector not answering.
      const withCode = (code: string) => errors.find((error) => error.extensions?.code === code);
      const refused = withCode('BAD_USER_INPUT');
      if (refused) throw creditGraphError('BAD_USER_INPUT', refused.message, { argumentName: 'after' });
      // A subgraph's own failure (named by serviceName: its database stopped, say) cannot give
      // a class either: retry later, as for one that does not answer.
      const unavailable = withCode('SUBGRAPH_UNAVAILABLE') ?? errors.find((error) => typeof error.extensions?.serviceName === 'string');
      if (unavailable) {
        throw creditGraphError('SUBGRAPH_UNAVAILABLE', `Supervision classes cannot be computed now: ${unavailable.message}`, { serviceName: unavailable.extensions?.serviceName });
      }
      throw creditGraphError('INTERNAL_SERVER_ERROR', 'The supervision list could not be read');
    }
    const scan = (result.data as { searchEnterprises: ScanPage }).searchEnterprises;
    for (const edge of scan.edges) {
      scanned++;
      after = edge.cursor;
      const supervision = edge.node.supervision!;
      if (!args.class || supervision.class === args.class) {
        items.push({ cursor: edge.cursor, node: { uscc: edge.node.uscc, ...supervision } });
        if (items.length === args.first) {
          // Stopped inside a scanned page: more may follow in it or after it.
          hasNextPage = edge !== scan.edges.at(-1) || scan.pageInfo.hasNextPage;
          return { edges: items, pageInfo: { hasNextPage, endCursor: edge.cursor }, scanned };
        }
      }
    }
    hasNextPage = scan.pageInfo.hasNextPage;
  }
  return { edges: items, pageInfo: { hasNextPage, endCursor: after }, scanned };
}
