// A bank's credit check end to end: one query through the gateway reaches all six subgraphs,
// answers consistently with the seed, follows supply-chain partners into their own sector
// data, and a portfolio of 500 costs a constant number of SQL statements per subgraph.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { DEMO_BANK, headersFor, tokenFor } from './support/callers.ts';
import { sqlStatements } from './support/stack.ts';
import { PORTFOLIO_QUERY } from '../bench/src/scenarios.ts';

const { gatewayUrl, subgraphUrls, metricsUrls, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
const model = universe[SHOWCASE.MODEL_GROUP]!;
const risky = universe[SHOWCASE.RISKY_SUPPLIER]!;
const examples = JSON.parse(
  readFileSync(new URL('../gateway/src/playground/examples.json', import.meta.url), 'utf8'),
) as { title: string; query: string; variables?: Record<string, unknown>; headers?: Record<string, string>; walkthrough?: number }[];
const bankCheck = examples[0]!;
const grantConsent = examples.find((example) => example.query.includes('grantConsent'))!;
let bank: Record<string, string>;
let regulator: Record<string, string>;

beforeAll(async () => {
  bank = await headersFor('BANK', 'LOAN_APPROVAL');
  regulator = await headersFor('REGULATOR', 'SUPERVISION');
  // The model group authorizes the demo bank for loan approval, as in the playground.
  const granted = await graphql(gatewayUrl, grantConsent.query, grantConsent.variables, await headersFor('ENTERPRISE'));
  expect(granted.errors).toBeUndefined();
  expect(granted.data.grantConsent).toMatchObject({ institution: DEMO_BANK.uscc, purpose: 'LOAN_APPROVAL', live: true });
});

/** A borrower's partners with their non-public finance data (which needs each partner's consent). */
const PARTNERS_QUERY = `query ($uscc: USCC!) {
  enterprise(uscc: $uscc) { supplyChain { partners { relation partner {
    uscc name onSevereDishonestyList finance { currentTaxCreditLevel } environment { currentRating { level } }
  } } } }
}`;

// The benchmark's portfolio selection: the SQL bound asserted here is the one bench/ measures.

async function statementsBySubgraph(): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.keys(subgraphUrls).map(async (name) => [name, await sqlStatements(metricsUrls[name]!)] as const),
  );
  return Object.fromEntries(entries);
}

async function portfolioCost(size: number): Promise<Record<string, number>> {
  const usccs = universe.slice(0, size).map((e) => e.uscc);
  const before = await statementsBySubgraph();
  const result = await graphql(gatewayUrl, PORTFOLIO_QUERY, { usccs }, regulator);
  expect(result.errors).toBeUndefined();
  expect(result.data.enterprises).toHaveLength(size);
  expect(result.data.enterprises.map((e: { uscc: string }) => e.uscc)).toEqual(usccs);
  const after = await statementsBySubgraph();
  return Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - before[name]!]));
}

describe("a bank's credit check through the gateway", () => {
  it('answers the full cross-sector profile of the model group to the consented bank, as seeded', async () => {
    const { data, errors } = await graphql(gatewayUrl, bankCheck.query, { uscc: model.uscc }, bank);
    expect(errors).toBeUndefined();
    const enterprise = data.enterprise;
    expect(enterprise.uscc).toBe(model.uscc);
    expect(enterprise.name).toBe(model.name);
    expect(enterprise.district.code).toBe(model.divisionCode);
    expect(enterprise.legalRepresentative).toMatch(/^.\*+$/u);
    expect(enterprise.onSevereDishonestyList).toBe(false);
    // Every sector answered for the group that is active in all of them.
    expect(enterprise.finance.currentTaxCreditLevel).toBe('A');
    expect(enterprise.finance.loans.every((loan: { status: string }) => ['REPAID', 'DISBURSED'].includes(loan.status))).toBe(true);
    expect(enterprise.supplyChain.logisticsCredits.length).toBeGreaterThan(0);
    expect(enterprise.environment.currentRating.level).toBe('GREEN');
    expect(enterprise.housekeeping.workerCount).toBeGreaterThan(0);
    expect(enterprise.elderlyCare.grade).toBe(5);
    expect(enterprise.trade.customsCredit.category).toBe('ADVANCED_CERTIFIED');
    expect(enterprise.trade.customsCredit.aeoCertificateNumber).toMatch(/^AEOCN/);
  });

  it("shows the bank a partner's public record, but not its non-public data without the partner's consent", async () => {
    const { data, errors } = await graphql(gatewayUrl, PARTNERS_QUERY, { uscc: model.uscc }, bank);
    const partners = data.enterprise.supplyChain.partners as { partner: { uscc: string; onSevereDishonestyList: boolean; finance: unknown } }[];
    const supplier = partners.find((p) => p.partner.uscc === risky.uscc)!;
    expect(supplier.partner.onSevereDishonestyList).toBe(true);
    expect(supplier.partner.finance).toBeNull();
    const refusal = errors?.find((error) => error.extensions?.code === 'CONSENT_REQUIRED' && error.message.includes(risky.uscc));
    expect(refusal?.message).toContain(DEMO_BANK.uscc);
  });

  it("follows supply-chain partners into their registry and sector data for a regulator: the risky supplier shows", async () => {
    const { data, errors } = await graphql(gatewayUrl, PARTNERS_QUERY, { uscc: model.uscc }, regulator);
    expect(errors).toBeUndefined();
    const partners = data.enterprise.supplyChain.partners as {
      relation: string;
      partner: { uscc: string; name: string; onSevereDishonestyList: boolean; finance: { currentTaxCreditLevel: string } | null; environment: { currentRating: { level: string } } | null };
    }[];
    const supplier = partners.find((p) => p.partner.uscc === risky.uscc);
    expect(supplier?.relation).toBe('SUPPLIER');
    expect(supplier?.partner.name).toBe(risky.name);
    expect(supplier?.partner.onSevereDishonestyList).toBe(true);
    expect(supplier?.partner.finance?.currentTaxCreditLevel).toBe('D');
    expect(['RED', 'BLACK']).toContain(supplier?.partner.environment?.currentRating.level);
    // Every partner resolved to a registered enterprise with a name.
    for (const partner of partners) expect(partner.partner.name).toBe(universe.find((e) => e.uscc === partner.partner.uscc)?.name);
  });

  it('costs a constant number of SQL statements per subgraph, for 50 or 500 enterprises', async () => {
    const small = await portfolioCost(50);
    const large = await portfolioCost(500);
    // The bound: one statement per entity or list type a subgraph resolves for this
    // selection, whatever the portfolio size (the registry's include the objections and
    // repairs that decide which records are published).
    expect(large).toEqual(small);
    expect(large).toEqual({ registry: 6, finance: 6, 'supply-chain': 4, environment: 5, housekeeping: 8, trade: 5 });
  });

  it('answers the portfolio in order, null for a registered-nowhere code', async () => {
    const usccs = [universe[3]!.uscc, '91110000600037341L', universe[4]!.uscc];
    const { data, errors } = await graphql(gatewayUrl, 'query ($c: [USCC!]!) { enterprises(usccs: $c) { uscc finance { currentTaxCreditLevel } } }', { c: usccs }, regulator);
    expect(errors).toBeUndefined();
    expect(data.enterprises.map((e: { uscc: string } | null) => e?.uscc ?? null)).toEqual([usccs[0], null, usccs[2]]);
  });
});

describe('playground examples', () => {
  // The walk-through's steps need ids from earlier steps: tests/workflows.test.ts runs them in order.
  const standalone = examples.filter((example) => example.walkthrough === undefined);
  it.each(standalone.map((example) => [example.title, example] as const))('%s runs without errors and returns data', async (_title, example) => {
    const headers = Object.fromEntries(
      await Promise.all(
        Object.entries(example.headers ?? {}).map(async ([name, value]) => {
          const role = /\$\{([A-Z_]+)_TOKEN\}/.exec(value)?.[1] as 'BANK' | undefined;
          return [name, role ? value.replace(/\$\{[A-Z_]+_TOKEN\}/, await tokenFor(role)) : value] as const;
        }),
      ),
    );
    const { data, errors, status } = await graphql(gatewayUrl, example.query, example.variables ?? {}, headers);
    expect(status).toBe(200);
    // A bank's portfolio may hold enterprises that did not consent: those answer CONSENT_REQUIRED.
    expect((errors ?? []).filter((error) => error.extensions?.code !== 'CONSENT_REQUIRED')).toEqual([]);
    const root = Object.values(data ?? {})[0];
    expect(root).not.toBeNull();
  });

  it('cite the seed: the bank example is the model group', () => {
    expect(bankCheck.variables?.uscc).toBe(model.uscc);
  });
});
