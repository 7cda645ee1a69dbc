import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidUscc, ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, describeNonPublicFields } from '@credit-graph/subgraph-kit/testing';
import { LATEST_RATED_YEAR, PAYMENT_YEARS, taxCreditLevel } from '../prisma/seed.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import { finance } from '../src/index.ts';

const ENTERPRISES = 120;
const universe = seedUniverse(ENTERPRISES);
/** Finance data is non-public: the data tests read it as a supervising regulator. */
const REGULATOR: Caller = { subject: 'inspector-1', role: 'REGULATOR', scopes: ROLE_SCOPES.REGULATOR, purpose: 'SUPERVISION' };
let subgraph: RunningSubgraph<PrismaClient>;

const PROFILE = `finance {
  authorizedOn currentTaxCreditLevel
  taxCredits { year level score }
  socialInsurance { year insuredHeadcount monthsInArrears arrearsAmount }
  housingFund { year depositorHeadcount monthsInArrears }
  utilities { year utility onTimeRate overdueBills }
  loans { id bankName bankUscc productName amount appliedOn grantedOn maturesOn status overdueDays }
}`;

interface Loan { id: string; bankUscc: string; amount: number; appliedOn: string; grantedOn: string | null; maturesOn: string | null; status: string; overdueDays: number }
interface Profile {
  authorizedOn: string;
  currentTaxCreditLevel: string | null;
  taxCredits: { year: number; level: string; score: number }[];
  socialInsurance: { year: number; insuredHeadcount: number; monthsInArrears: number; arrearsAmount: number }[];
  housingFund: { year: number; depositorHeadcount: number; monthsInArrears: number }[];
  utilities: { year: number; utility: string; onTimeRate: number; overdueBills: number }[];
  loans: Loan[];
}

async function financeOf(usccs: string[]): Promise<(Profile | null)[]> {
  const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', `uscc ${PROFILE}`), {
    representations: usccs.map((uscc) => ({ __typename: 'Enterprise', uscc })),
  }, REGULATOR);
  expect(errors).toBeUndefined();
  expect(data._entities.map((entity: { uscc: string }) => entity.uscc)).toEqual(usccs);
  return data._entities.map((entity: { finance: Profile | null }) => entity.finance);
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(finance, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

describe('finance subgraph', () => {
  it('gives the model group A ratings for three years, no arrears and only performing loans', async () => {
    const model = universe[SHOWCASE.MODEL_GROUP]!;
    const [profile] = await financeOf([model.uscc]);
    expect(profile).not.toBeNull();
    expect(profile!.currentTaxCreditLevel).toBe('A');
    expect(profile!.taxCredits.map((rating) => [rating.year, rating.level])).toEqual([0, 1, 2].map((back) => [LATEST_RATED_YEAR - back, 'A']));
    expect(profile!.taxCredits.every((rating) => rating.score >= 90)).toBe(true);

    expect(profile!.socialInsurance.map((payment) => payment.year)).toEqual([...PAYMENT_YEARS].reverse());
    expect(profile!.socialInsurance.every((p) => p.monthsInArrears === 0 && p.arrearsAmount === 0 && p.insuredHeadcount > 1000)).toBe(true);
    expect(profile!.housingFund.every((p) => p.monthsInArrears === 0 && p.depositorHeadcount > 0)).toBe(true);
    expect(profile!.utilities).toHaveLength(9); // 3 years x water, electricity, gas
    expect(profile!.utilities.every((u) => u.onTimeRate >= 0.95 && u.overdueBills === 0)).toBe(true);

    expect(profile!.loans.length).toBe(5);
    expect(new Set(profile!.loans.map((loan) => loan.status))).toEqual(new Set(['DISBURSED', 'REPAID']));
    for (const loan of profile!.loans) {
      expect(loan.overdueDays).toBe(0);
      expect(isValidUscc(loan.bankUscc)).toBe(true);
      expect(loan.grantedOn! > loan.appliedOn && loan.maturesOn! > loan.grantedOn!).toBe(true);
    }
    // Same rows as the database holds, newest application first.
    const stored = await subgraph.db.xinYiDaiLoan.findMany({ where: { uscc: model.uscc }, orderBy: [{ appliedOn: 'desc' }, { id: 'asc' }] });
    expect(profile!.loans.map((loan) => [loan.id, loan.amount])).toEqual(stored.map((row) => [row.id, row.amount.toNumber()]));
  });

  it('answers null for an enterprise without finance records and for an unknown code', async () => {
    const withoutFinance = universe.find((enterprise) => !enterprise.sectors.finance)!;
    expect(await subgraph.db.financeProfile.count({ where: { uscc: withoutFinance.uscc } })).toBe(0);
    expect(await financeOf([withoutFinance.uscc, '91350100M000100Y43'])).toEqual([null, null]);
  });

  it('shows the risky supplier rated D, in arrears and with a loan more than 90 days overdue', async () => {
    const [profile] = await financeOf([universe[SHOWCASE.RISKY_SUPPLIER]!.uscc]);
    expect(profile!.currentTaxCreditLevel).toBe('D');
    expect(profile!.taxCredits.every((rating) => rating.level === 'C' || rating.level === 'D')).toBe(true);
    expect(profile!.socialInsurance.every((p) => p.monthsInArrears > 0 && p.arrearsAmount > 0)).toBe(true);
    expect(profile!.housingFund.some((p) => p.monthsInArrears > 0)).toBe(true);
    expect(profile!.utilities.every((u) => u.onTimeRate < 0.95 && u.overdueBills > 0)).toBe(true);
    const overdue = profile!.loans.find((loan) => loan.status === 'OVERDUE');
    expect(overdue?.overdueDays).toBeGreaterThan(90);
  });

  it('resolves 50 enterprises with every finance list in 6 SQL statements, as for 5', async () => {
    const sample = universe.slice(0, 50);
    const statementsFor = async (usccs: string[]) => {
      const before = subgraph.sqlStatements();
      const profiles = await financeOf(usccs);
      return { profiles, statements: subgraph.sqlStatements() - before };
    };
    const { profiles, statements } = await statementsFor(sample.map((enterprise) => enterprise.uscc));
    // One statement for the profiles, one per list (tax credits, social insurance, housing fund, utilities, loans).
    expect(statements).toBe(6);
    expect((await statementsFor(sample.slice(0, 5).map((enterprise) => enterprise.uscc))).statements).toBe(6);

    // The data leans the way each enterprise's risk profile does.
    sample.forEach((enterprise, i) => {
      const profile = profiles[i]!;
      expect(profile === null).toBe(!enterprise.sectors.finance);
      if (!profile) return;
      expect(profile.currentTaxCreditLevel).toBe(profile.taxCredits[0]?.level ?? null);
      if (enterprise.risk === 'CLEAN') {
        expect(profile.socialInsurance.every((p) => p.monthsInArrears === 0)).toBe(true);
        expect(profile.utilities.every((u) => u.onTimeRate >= 0.95)).toBe(true);
        expect(profile.taxCredits.every((rating) => ['A', 'B', 'M'].includes(rating.level))).toBe(true);
      }
      if (enterprise.risk === 'RISKY') {
        expect(profile.taxCredits.every((rating) => ['C', 'D'].includes(rating.level))).toBe(true);
        expect(profile.loans.some((loan) => ['OVERDUE', 'DEFAULTED'].includes(loan.status) && loan.overdueDays > 90)).toBe(true);
      }
    });
  });

  it('lists the financing products, lowest rate first, filtered by bank and amount', async () => {
    const query = `query ($bankName: String, $minAmount: Float) { financingProducts(bankName: $bankName, minAmount: $minAmount) {
      id bankName bankUscc name kind maxAmount annualRateFrom termMonths requirements } }`;
    const all = await subgraphGraphql(subgraph.url, query);
    expect(all.errors).toBeUndefined();
    const products: { bankName: string; bankUscc: string; kind: string; maxAmount: number; annualRateFrom: number }[] = all.data.financingProducts;
    expect(products).toHaveLength(30);
    expect(new Set(products.map((product) => product.bankName)).size).toBe(8);
    expect(products.every((product) => isValidUscc(product.bankUscc))).toBe(true);
    expect(products.some((product) => product.kind === 'TAX_BASED')).toBe(true);
    const rates = products.map((product) => product.annualRateFrom);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));

    const zhengzhouBank = await subgraphGraphql(subgraph.url, query, { bankName: '郑州银行' });
    expect(zhengzhouBank.data.financingProducts).toHaveLength(4);
    expect(zhengzhouBank.data.financingProducts.every((product: { bankName: string }) => product.bankName === '郑州银行')).toBe(true);

    // "%" and "_" are characters of a bank name, not wildcards.
    for (const bankName of ['%', '_', '郑州%', '%银行']) {
      const wildcard = await subgraphGraphql(subgraph.url, query, { bankName });
      expect(wildcard.data.financingProducts, bankName).toHaveLength(0);
    }

    const large = await subgraphGraphql(subgraph.url, query, { minAmount: 1000 });
    expect(large.data.financingProducts.length).toBe(products.filter((product) => product.maxAmount >= 1000).length);
    expect(large.data.financingProducts.every((product: { maxAmount: number }) => product.maxAmount >= 1000)).toBe(true);
  });

  it('refuses a negative minAmount with BAD_USER_INPUT', async () => {
    const { data, errors } = await subgraphGraphql(subgraph.url, '{ financingProducts(minAmount: -1) { id } }');
    expect(data).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.extensions?.argumentName).toBe('minAmount');
    expect(errors?.[0]?.message).toContain('minAmount: must be between 0 and');
  });

  it('grades tax credit scores as the tax authority does', () => {
    expect(taxCreditLevel(90, false)).toBe('A');
    expect(taxCreditLevel(89, false)).toBe('B');
    expect(taxCreditLevel(70, false)).toBe('B');
    expect(taxCreditLevel(95, true)).toBe('M');
    expect(taxCreditLevel(69, true)).toBe('C');
    expect(taxCreditLevel(40, false)).toBe('C');
    expect(taxCreditLevel(39, false)).toBe('D');
  });
});

describeNonPublicFields({
  sector: 'finance',
  otherSector: 'trade',
  fields: 'finance',
  enterprises: () => [universe[SHOWCASE.MODEL_GROUP]!.uscc, universe[SHOWCASE.RISKY_SUPPLIER]!.uscc],
  read: () => ({
    url: subgraph.url,
    selection: 'uscc finance { currentTaxCreditLevel }',
    guarded: ['finance'],
  }),
});
