// A bank's three integrations, on the typed client: the pre-loan credit check of one
// enterprise, the portfolio check of many, and the change feed a loan-monitoring system polls.
import { createClient, type Answer, type Client } from './client.ts';
import {
  BankCreditCheckDocument,
  ConsentsGrantedToMeDocument,
  CreditChangesDocument,
  PortfolioCheckDocument,
  type BankCreditCheckQuery,
  type ConsentsGrantedToMeQuery,
  type CreditChangesQuery,
  type PortfolioCheckQuery,
} from './generated/graphql.ts';

export { createClient };

/** One enterprise's credit check (purpose LOAN_APPROVAL, with its consent). */
export function creditCheck(client: Client, uscc: string): Promise<Answer<BankCreditCheckQuery>> {
  return client.request(BankCreditCheckDocument, { uscc });
}

export interface PortfolioResult {
  enterprises: PortfolioCheckQuery['enterprises'];
  /** The enterprises whose non-public fields were refused, by USCC, with the code (CONSENT_REQUIRED, ...). */
  refused: Map<string, string>;
  answer: Answer<PortfolioCheckQuery>;
}

/** Up to 500 enterprises at once; the ones without consent come back with public fields only. */
export async function portfolioCheck(client: Client, usccs: string[]): Promise<PortfolioResult> {
  const answer = await client.request(PortfolioCheckDocument, { usccs });
  const refused = new Map<string, string>();
  for (const error of answer.errors) {
    const index = error.path?.[1];
    const enterprise = typeof index === 'number' ? answer.data.enterprises[index] : undefined;
    if (enterprise) refused.set(enterprise.uscc, String(error.extensions?.code));
  }
  return { enterprises: answer.data.enterprises, refused, answer };
}

export type CreditChange = CreditChangesQuery['creditChanges']['changes'][number];

/**
 * Reads the change feed from `after` (null: from the start) to its current end, page after
 * page while `hasMore`; returns the changes and the cursor to store and pass next time. A
 * loan-monitoring system calls it on a schedule (every few minutes).
 */
export async function readCreditChanges(client: Client, after: string | null, pageSize = 100): Promise<{ changes: CreditChange[]; cursor: string }> {
  const changes: CreditChange[] = [];
  let cursor = after;
  for (;;) {
    const { data } = await client.request(CreditChangesDocument, { after: cursor, first: pageSize });
    changes.push(...data.creditChanges.changes);
    cursor = data.creditChanges.cursor;
    if (!data.creditChanges.hasMore) return { changes, cursor };
  }
}

export type GrantedConsent = ConsentsGrantedToMeQuery['consentsGrantedToMe']['edges'][number]['node'];

/** Every consent granted to this bank (optionally only live ones), following the pages. */
export async function consentsGrantedToMe(client: Client, liveOnly = true): Promise<GrantedConsent[]> {
  const consents: GrantedConsent[] = [];
  let after: string | null = null;
  do {
    const { data }: Answer<ConsentsGrantedToMeQuery> = await client.request(ConsentsGrantedToMeDocument, { liveOnly, after });
    consents.push(...data.consentsGrantedToMe.edges.map((edge) => edge.node));
    after = data.consentsGrantedToMe.pageInfo.hasNextPage ? data.consentsGrantedToMe.pageInfo.endCursor ?? null : null;
  } while (after);
  return consents;
}
