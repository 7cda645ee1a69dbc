// Finance seed: the credit products banks offer on the platform (a fixed catalogue), and for
// each enterprise with finance records its tax credit ratings, social insurance, housing fund
// and utility payments, Xin-Yi-Dai loans and the payment arrears reported against it, leaning
// the way its risk profile does.
import { makeUscc } from '@credit-graph/contract';
import {
  AUTHORITIES,
  SEED_AS_OF,
  SHOWCASE,
  daysBefore,
  insertInChunks,
  recordId,
  seedUniverse,
  seededFaker,
  type SeedEnterprise,
} from '@credit-graph/subgraph-kit';
import type { Prisma, PrismaClient } from '../src/generated/prisma/client.ts';
import { arrearsMonthsSeverity, daysToReach, loanSeverity, taxCreditLevel } from '../src/rules.ts';

export { taxCreditLevel };

type Faker = ReturnType<typeof seededFaker>;
type ProductKind = Prisma.FinancingProductCreateManyInput['kind'];
type LoanStatus = Prisma.XinYiDaiLoanCreateManyInput['status'];
type UtilityKind = Prisma.UtilityPaymentCreateManyInput['utility'];

/** Banks lending on the platform; their codes are synthetic but valid. */
export const BANKS = [
  { name: '中国银行郑州分行', uscc: makeUscc('91', '410105', '70681001') },
  { name: '中国工商银行郑州分行', uscc: makeUscc('91', '410102', '70681002') },
  { name: '中国建设银行郑州分行', uscc: makeUscc('91', '410105', '70681003') },
  { name: '中国农业银行郑州分行', uscc: makeUscc('91', '410103', '70681004') },
  { name: '郑州银行', uscc: makeUscc('91', '410105', '70681005') },
  { name: '中原银行', uscc: makeUscc('91', '410105', '70681006') },
  { name: '招商银行郑州分行', uscc: makeUscc('91', '410105', '70681007') },
  { name: '郑州农村商业银行', uscc: makeUscc('91', '410105', '70681008') },
] as const;

const TAX_REQUIREMENT = '纳税信用等级A级或B级（部分产品接受M级），连续纳税满2年，近12个月无欠税';
const CREDIT_REQUIREMENT = '成立满2年，企业及实际控制人征信无不良记录，近1年无社保、公积金欠缴';
const MORTGAGE_REQUIREMENT = '以借款人或第三人名下住宅、商铺或厂房抵押，抵押率不超过评估值的70%';
const GUARANTEE_REQUIREMENT = '由郑州市中小企业融资担保机构提供连带责任保证，担保费率不超过1%';
const SUPPLY_CHAIN_REQUIREMENT = '与核心企业合作满1年，以应收账款或订单作为还款来源，核心企业确权';

// [bank index, name, kind, max amount (10k CNY), annual rate from (%), term (months), requirements]
const PRODUCTS: [number, string, ProductKind, number, number, number, string][] = [
  [0, '中银税易贷', 'TAX_BASED', 300, 3.45, 12, TAX_REQUIREMENT],
  [0, '中银企E贷·信用贷', 'CREDIT', 300, 3.6, 12, CREDIT_REQUIREMENT],
  [0, '中银企E贷·抵押贷', 'MORTGAGE', 1000, 3.3, 60, MORTGAGE_REQUIREMENT],
  [0, '中银保理通', 'SUPPLY_CHAIN', 2000, 3.5, 12, SUPPLY_CHAIN_REQUIREMENT],
  [1, '经营快贷', 'CREDIT', 200, 3.55, 12, CREDIT_REQUIREMENT],
  [1, '税务贷', 'TAX_BASED', 300, 3.4, 12, TAX_REQUIREMENT],
  [1, 'e抵快贷', 'MORTGAGE', 1000, 3.25, 60, MORTGAGE_REQUIREMENT],
  [1, '数字供应链融资', 'SUPPLY_CHAIN', 3000, 3.45, 12, SUPPLY_CHAIN_REQUIREMENT],
  [2, '云税贷', 'TAX_BASED', 300, 3.5, 12, TAX_REQUIREMENT],
  [2, '信用快贷', 'CREDIT', 200, 3.65, 12, CREDIT_REQUIREMENT],
  [2, '抵押快贷', 'MORTGAGE', 1000, 3.3, 120, MORTGAGE_REQUIREMENT],
  [2, '善担贷', 'GUARANTEE', 1000, 3.7, 36, GUARANTEE_REQUIREMENT],
  [3, '纳税e贷', 'TAX_BASED', 300, 3.45, 12, TAX_REQUIREMENT],
  [3, '链捷贷', 'SUPPLY_CHAIN', 1000, 3.5, 12, SUPPLY_CHAIN_REQUIREMENT],
  [3, '抵押e贷', 'MORTGAGE', 1000, 3.35, 60, MORTGAGE_REQUIREMENT],
  [4, '郑e贷·税融', 'TAX_BASED', 200, 3.85, 12, TAX_REQUIREMENT],
  [4, '郑e贷·信用', 'CREDIT', 100, 4.2, 12, CREDIT_REQUIREMENT],
  [4, '政采贷', 'SUPPLY_CHAIN', 500, 3.95, 12, '中标政府采购项目，以政府采购合同项下应收账款作为还款来源'],
  [4, '担保贷', 'GUARANTEE', 1000, 4.1, 36, GUARANTEE_REQUIREMENT],
  [5, '中原税易贷', 'TAX_BASED', 300, 3.9, 12, TAX_REQUIREMENT],
  [5, '中原快贷', 'CREDIT', 200, 4.35, 12, CREDIT_REQUIREMENT],
  [5, '中原房抵贷', 'MORTGAGE', 2000, 3.65, 120, MORTGAGE_REQUIREMENT],
  [5, '中原链融', 'SUPPLY_CHAIN', 2000, 3.85, 12, SUPPLY_CHAIN_REQUIREMENT],
  [6, '招税贷', 'TAX_BASED', 300, 3.6, 12, TAX_REQUIREMENT],
  [6, '生意贷', 'CREDIT', 300, 3.75, 24, CREDIT_REQUIREMENT],
  [6, '抵押经营贷', 'MORTGAGE', 3000, 3.3, 120, MORTGAGE_REQUIREMENT],
  [7, '农商税融贷', 'TAX_BASED', 200, 4.15, 12, TAX_REQUIREMENT],
  [7, '商户信用贷', 'CREDIT', 50, 4.8, 12, '在郑州市内经营满1年的个体工商户与小微企业，经营流水稳定'],
  [7, '惠农担保贷', 'GUARANTEE', 300, 4.35, 36, '涉农经营主体，由省农业信贷担保机构提供保证'],
  [7, '厂房抵押贷', 'MORTGAGE', 1500, 3.95, 60, MORTGAGE_REQUIREMENT],
];

export function productRows(): Prisma.FinancingProductCreateManyInput[] {
  const perBank = new Map<number, number>();
  return PRODUCTS.map(([bankIndex, name, kind, maxAmount, annualRateFrom, termMonths, requirements]) => {
    const bank = BANKS[bankIndex]!;
    const n = perBank.get(bankIndex) ?? 0;
    perBank.set(bankIndex, n + 1);
    return { id: recordId('FP', bank.uscc, n), bankName: bank.name, bankUscc: bank.uscc, name, kind, maxAmount, annualRateFrom, termMonths, requirements };
  });
}

/** Tax credit ratings are published the April after the year rated: last year's is the latest. */
export const LATEST_RATED_YEAR = SEED_AS_OF.getUTCFullYear() - 1;
/** The last month completed by the seed day (the seed day moves with the calendar). */
const LAST_COMPLETE_MONTH = new Date(Date.UTC(SEED_AS_OF.getUTCFullYear(), SEED_AS_OF.getUTCMonth() - 1, 1));
/** Payment records cover three calendar years, up to the one of the last completed month. */
export const PAYMENT_YEARS = [0, 1, 2].map((back) => LAST_COMPLETE_MONTH.getUTCFullYear() - 2 + back);
/** Months of `year` completed by the seed day: 1 to 12. */
const monthsCompleted = (year: number) => (year === LAST_COMPLETE_MONTH.getUTCFullYear() ? LAST_COMPLETE_MONTH.getUTCMonth() + 1 : 12);
/** Social insurance per insured employee and month, employer and employee shares, in 10k CNY. */
const MONTHLY_CONTRIBUTION = 0.135;

function addMonths(date: Date, months: number): Date {
  const result = new Date(date);
  result.setUTCMonth(result.getUTCMonth() + months);
  return result;
}

const DAY_MS = 86_400_000;

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** Whole days from `date` to the seed day. */
const daysAgo = (date: Date) => Math.round((SEED_AS_OF.getTime() - date.getTime()) / DAY_MS);

interface Records {
  taxCredits: Prisma.TaxCreditRatingCreateManyInput[];
  socialInsurance: Prisma.SocialInsurancePaymentCreateManyInput[];
  housingFund: Prisma.HousingFundPaymentCreateManyInput[];
  utilities: Prisma.UtilityPaymentCreateManyInput[];
  loans: Prisma.XinYiDaiLoanCreateManyInput[];
  arrears: Prisma.PaymentArrearsCreateManyInput[];
}

function addTaxCredits(records: Records, enterprise: SeedEnterprise, faker: Faker): void {
  const { uscc, risk, index } = enterprise;
  const founded = enterprise.establishedOn.getUTCFullYear();
  const [low, high] =
    index === SHOWCASE.MODEL_GROUP ? [92, 98]
    : index === SHOWCASE.RISKY_SUPPLIER ? [15, 38]
    : risk === 'CLEAN' ? (faker.datatype.boolean(0.65) ? [90, 99] : [76, 92])
    : risk === 'WATCH' ? [55, 88]
    : [12, 62];
  for (let year = LATEST_RATED_YEAR; year > LATEST_RATED_YEAR - 3 && year >= founded; year--) {
    const score = faker.number.int({ min: low, max: high });
    records.taxCredits.push({ id: recordId('TAX', uscc, year), uscc, year, level: taxCreditLevel(score, year === founded), score });
  }
}

function addPayments(records: Records, enterprise: SeedEnterprise, faker: Faker): void {
  const { uscc, risk, index, industry } = enterprise;
  const founded = enterprise.establishedOn.getUTCFullYear();
  const model = index === SHOWCASE.MODEL_GROUP;
  let headcount = model ? 1280 : faker.number.int({ min: 3, max: faker.datatype.boolean(0.1) ? 800 : 120 });
  const housingShare = model ? 1 : risk === 'CLEAN' ? faker.number.float({ min: 0.7, max: 1 }) : faker.number.float({ min: 0.2, max: 0.8 });
  const usesGas = model || ['MANUFACTURING', 'HOSPITALITY', 'UTILITIES', 'AGRICULTURE'].includes(industry) || faker.datatype.boolean(0.3);
  const kinds: UtilityKind[] = usesGas ? ['WATER', 'ELECTRICITY', 'GAS'] : ['WATER', 'ELECTRICITY'];
  // Watched firms fall behind in some year, risky firms in most years.
  const troubledYear = faker.helpers.arrayElement(PAYMENT_YEARS);

  for (const year of PAYMENT_YEARS.filter((y) => y >= founded)) {
    headcount = Math.max(1, Math.round(headcount * faker.number.float({ min: 0.9, max: 1.15 })));
    const monthsInYear = monthsCompleted(year);
    const troubled = index === SHOWCASE.RISKY_SUPPLIER || (risk === 'RISKY' && faker.datatype.boolean(0.8)) || (risk === 'WATCH' && year === troubledYear);
    const arrears = !troubled ? 0
      : risk === 'RISKY' ? faker.number.int({ min: Math.min(3, monthsInYear), max: monthsInYear })
      : Math.min(monthsInYear, faker.number.int({ min: 1, max: 3 }));
    records.socialInsurance.push({
      id: recordId('SI', uscc, year),
      uscc,
      year,
      insuredHeadcount: headcount,
      monthsInArrears: arrears,
      arrearsAmount: Math.round(arrears * headcount * MONTHLY_CONTRIBUTION * 10_000) / 10_000,
    });
    records.housingFund.push({
      id: recordId('HF', uscc, year),
      uscc,
      year,
      depositorHeadcount: Math.max(1, Math.round(headcount * housingShare)),
      monthsInArrears: troubled ? Math.min(monthsInYear, arrears + faker.number.int({ min: 0, max: 2 })) : 0,
    });
    kinds.forEach((utility, k) => {
      const overdueBills =
        model ? 0
        : risk === 'CLEAN' ? (faker.datatype.boolean(0.2) ? 1 : 0)
        : risk === 'WATCH' ? faker.number.int({ min: 0, max: 3 })
        : faker.number.int({ min: 3, max: 8 });
      const [low, high] = risk === 'CLEAN' ? [0.95, 0.995] : risk === 'WATCH' ? [0.8, 0.96] : [0.4, 0.8];
      records.utilities.push({
        id: recordId('UT', uscc, year * 10 + k),
        uscc,
        year,
        utility,
        onTimeRate: overdueBills === 0 ? 1 : faker.number.float({ min: low, max: high, fractionDigits: 3 }),
        overdueBills,
      });
    });
  }
}

function pickStatuses(enterprise: SeedEnterprise, faker: Faker): LoanStatus[] {
  const { risk, index } = enterprise;
  if (index === SHOWCASE.MODEL_GROUP) return ['DISBURSED', 'DISBURSED', 'REPAID', 'REPAID', 'REPAID'];
  if (index === SHOWCASE.RISKY_SUPPLIER) return ['OVERDUE', 'REJECTED', 'REPAID'];
  const weights: [LoanStatus, number][] =
    risk === 'CLEAN' ? [['REPAID', 45], ['DISBURSED', 40], ['APPLIED', 5], ['APPROVED', 7], ['REJECTED', 3]]
    : risk === 'WATCH' ? [['REPAID', 35], ['DISBURSED', 30], ['OVERDUE', 15], ['APPLIED', 5], ['REJECTED', 15]]
    : [['REPAID', 20], ['DISBURSED', 10], ['OVERDUE', 25], ['DEFAULTED', 15], ['REJECTED', 30]];
  const count = faker.number.int({ min: risk === 'CLEAN' ? 0 : 1, max: risk === 'RISKY' ? 4 : 3 });
  const statuses = Array.from({ length: count }, () =>
    faker.helpers.weightedArrayElement(weights.map(([value, weight]) => ({ value, weight }))),
  );
  // A risky firm always has a loan more than 90 days past due.
  if (risk === 'RISKY' && !statuses.some((s) => s === 'OVERDUE' || s === 'DEFAULTED')) statuses[0] = 'OVERDUE';
  return statuses;
}

function addLoans(records: Records, enterprise: SeedEnterprise, faker: Faker, products: Prisma.FinancingProductCreateManyInput[]): void {
  const { uscc, risk, index } = enterprise;
  // No loan is granted in the firm's first month: the oldest grant date, in days before the seed day.
  const oldest = daysAgo(enterprise.establishedOn) - 30;
  // Tax-based (银税互动) products need an A or B rating: only clean firms draw them here.
  const eligible = risk === 'CLEAN' ? products : products.filter((p) => p.kind !== 'TAX_BASED');
  pickStatuses(enterprise, faker).forEach((status, n) => {
    const product = index === SHOWCASE.MODEL_GROUP ? products[(n * 7) % products.length]! : faker.helpers.arrayElement(eligible);
    const term = product.termMonths;
    const termDays = term * 30;
    const amount = Math.round(Number(product.maxAmount) * faker.number.float({ min: 0.1, max: index === SHOWCASE.MODEL_GROUP ? 0.9 : 0.6 }) * 100) / 100;
    const grantedDaysAgo = (min: number, max: number) => faker.number.int({ min: Math.min(min, oldest), max: Math.min(max, oldest) });
    let grantedOn: Date | null = null;
    let overdueDays = 0;
    if (status === 'OVERDUE' || status === 'DEFAULTED') {
      // Days since the first missed instalment: beyond 90 for risky firms, a few weeks for watched ones.
      overdueDays =
        risk === 'RISKY' ? faker.number.int({ min: 95, max: Math.max(95, Math.min(status === 'DEFAULTED' ? 720 : 360, oldest - 30)) })
        : faker.number.int({ min: 5, max: 60 });
      // The missed instalment fell between the grant and maturity.
      grantedOn = daysBefore(grantedDaysAgo(overdueDays + 30, overdueDays + termDays));
    } else if (status === 'DISBURSED') {
      grantedOn = daysBefore(grantedDaysAgo(10, termDays - 10));
    } else if (status === 'REPAID') {
      // Past maturity, or repaid early when the firm is younger than the term.
      grantedOn = daysBefore(grantedDaysAgo(termDays + 10, termDays + 900));
    } else if (status === 'APPROVED') {
      grantedOn = daysBefore(faker.number.int({ min: 1, max: 10 }));
    }
    const appliedOn = grantedOn
      ? addDays(grantedOn, -faker.number.int({ min: 3, max: 20 }))
      : daysBefore(status === 'APPLIED' ? faker.number.int({ min: 1, max: 20 }) : faker.number.int({ min: 30, max: Math.max(30, oldest) }));
    const maturesOn = grantedOn ? addMonths(grantedOn, term) : null;
    // Derived, not drawn: the loans' random draws stay what they were before these columns.
    // A delinquent loan was reported the day it reached its severity (1, 30 or 90 days overdue).
    const severity = loanSeverity(status, overdueDays);
    const delinquencyReportedOn = severity ? daysBefore(overdueDays - Math.min(overdueDays, daysToReach(severity))) : null;
    const statusOn =
      delinquencyReportedOn ? delinquencyReportedOn
      : status === 'REPAID' ? new Date(Math.min(maturesOn!.getTime(), SEED_AS_OF.getTime()))
      : status === 'REJECTED' ? new Date(Math.min(addDays(appliedOn, 7).getTime(), SEED_AS_OF.getTime()))
      : (grantedOn ?? appliedOn);
    records.loans.push({
      id: recordId('XYD', uscc, n),
      uscc,
      productId: product.id,
      bankName: product.bankName,
      bankUscc: product.bankUscc,
      productName: product.name,
      amount,
      appliedOn,
      grantedOn,
      maturesOn,
      status,
      statusOn,
      overdueDays,
      severity,
      delinquencyReportedOn,
    });
  });
}

type Offsets = Record<'taxCredits' | 'socialInsurance' | 'housingFund' | 'utilities', number>;

/** Who reports each kind of arrears to the platform. */
const ARREARS_REPORTERS = {
  TAX: AUTHORITIES.TAXATION.name,
  SOCIAL_INSURANCE: '郑州市人力资源和社会保障局',
  HOUSING_FUND: '郑州住房公积金管理中心',
  UTILITY: { WATER: '郑州自来水投资控股有限公司', ELECTRICITY: '国网郑州供电公司', GAS: '郑州华润燃气股份有限公司' },
} as const;
/** Housing fund deposit per depositor and month, employer and employee shares, in 10k CNY. */
const MONTHLY_DEPOSIT = 0.06;

const latest = (date: Date) => new Date(Math.min(date.getTime(), SEED_AS_OF.getTime() - DAY_MS));

/**
 * The arrears reported against the enterprise, derived from its payment records: a year's unpaid
 * social insurance or housing fund months (the last months of that year, reported some weeks
 * after the second unpaid month), unpaid taxes of a C or D taxpayer, and a utility's unpaid bills
 * this year. Drawn after the loans, so the earlier records keep their values.
 */
function addArrears(records: Records, enterprise: SeedEnterprise, faker: Faker, from: Offsets): void {
  const { uscc } = enterprise;
  // This enterprise's rows: those added since `from` was taken.
  const mine = <Key extends keyof Offsets>(key: Key) => records[key].slice(from[key]) as Records[Key];
  const arrears: Omit<Prisma.PaymentArrearsCreateManyInput, 'id' | 'uscc'>[] = [];
  const unpaidMonths = (kind: 'SOCIAL_INSURANCE' | 'HOUSING_FUND', year: number, months: number, amount: number) => {
    const monthsInYear = monthsCompleted(year);
    const since = new Date(Date.UTC(year, monthsInYear - months, 1));
    const reportedOn = latest(addDays(addMonths(since, Math.min(2, months)), faker.number.int({ min: 5, max: 25 })));
    if (reportedOn < since) return;
    arrears.push({ kind, amount, since, reportedOn, severity: arrearsMonthsSeverity(months), reportedBy: ARREARS_REPORTERS[kind], settled: false, settledOn: null });
  };
  for (const payment of mine('socialInsurance')) {
    if (payment.monthsInArrears > 0) unpaidMonths('SOCIAL_INSURANCE', payment.year, payment.monthsInArrears, Number(payment.arrearsAmount));
  }
  for (const payment of mine('housingFund')) {
    if (payment.monthsInArrears > 0) {
      const amount = Math.round(payment.monthsInArrears * payment.depositorHeadcount * MONTHLY_DEPOSIT * 10_000) / 10_000;
      unpaidMonths('HOUSING_FUND', payment.year, payment.monthsInArrears, amount);
    }
  }
  // Taxes owed (欠税): every D taxpayer, a C taxpayer now and then, settled in time or not.
  const level = mine('taxCredits')[0]?.level;
  if (level === 'D' || (level === 'C' && faker.datatype.boolean(0.4))) {
    const since = daysBefore(faker.number.int({ min: 60, max: 600 }));
    const reportedOn = latest(addDays(since, faker.number.int({ min: 15, max: 45 })));
    const amount = faker.number.float({ min: 2, max: level === 'D' ? 300 : 60, fractionDigits: 2 });
    const settled = level === 'C' && faker.datatype.boolean(0.5);
    arrears.push({
      kind: 'TAX',
      amount,
      since,
      reportedOn,
      severity: level === 'D' && amount >= 50 ? 'SEVERE' : 'GENERAL',
      reportedBy: ARREARS_REPORTERS.TAX,
      settled,
      settledOn: settled ? latest(addDays(reportedOn, faker.number.int({ min: 10, max: 90 }))) : null,
    });
  }
  // A utility cuts supply after repeated unpaid bills and reports this year's arrears.
  for (const payment of mine('utilities')) {
    if (payment.year !== PAYMENT_YEARS.at(-1) || payment.overdueBills < 5) continue;
    const reportedOn = daysBefore(faker.number.int({ min: 10, max: 200 }));
    const settled = faker.datatype.boolean(0.5);
    arrears.push({
      kind: 'UTILITY',
      amount: faker.number.float({ min: 0.1, max: 5, fractionDigits: 2 }),
      since: addDays(reportedOn, -30 * payment.overdueBills),
      reportedOn,
      severity: 'MINOR',
      reportedBy: ARREARS_REPORTERS.UTILITY[payment.utility],
      settled,
      settledOn: settled ? latest(addDays(reportedOn, faker.number.int({ min: 3, max: 30 }))) : null,
    });
  }
  arrears.forEach((row, n) => records.arrears.push({ id: recordId('ARR', uscc, n), uscc, ...row }));
}

export async function seed(db: PrismaClient, count: number): Promise<void> {
  const products = productRows();
  const enterprises = seedUniverse(count).filter((enterprise) => enterprise.sectors.finance);
  const profiles: Prisma.FinanceProfileCreateManyInput[] = [];
  const records: Records = { taxCredits: [], socialInsurance: [], housingFund: [], utilities: [], loans: [], arrears: [] };

  for (const enterprise of enterprises) {
    const faker = seededFaker('finance', enterprise.index);
    const authorizedOn = daysBefore(faker.number.int({ min: 30, max: Math.max(30, Math.min(1000, daysAgo(enterprise.establishedOn))) }));
    profiles.push({ uscc: enterprise.uscc, authorizedOn });
    const from: Offsets = {
      taxCredits: records.taxCredits.length,
      socialInsurance: records.socialInsurance.length,
      housingFund: records.housingFund.length,
      utilities: records.utilities.length,
    };
    addTaxCredits(records, enterprise, faker);
    addPayments(records, enterprise, faker);
    addLoans(records, enterprise, faker, products);
    addArrears(records, enterprise, faker, from);
  }

  await insertInChunks(products, (data) => db.financingProduct.createMany({ data }));
  await insertInChunks(profiles, (data) => db.financeProfile.createMany({ data }));
  await insertInChunks(records.taxCredits, (data) => db.taxCreditRating.createMany({ data }));
  await insertInChunks(records.socialInsurance, (data) => db.socialInsurancePayment.createMany({ data }));
  await insertInChunks(records.housingFund, (data) => db.housingFundPayment.createMany({ data }));
  await insertInChunks(records.utilities, (data) => db.utilityPayment.createMany({ data }));
  await insertInChunks(records.loans, (data) => db.xinYiDaiLoan.createMany({ data }));
  await insertInChunks(records.arrears, (data) => db.paymentArrears.createMany({ data }));
}

/** The product catalogue is seeded whatever the enterprise count, so it tells whether seeding ran. */
export async function isEmpty(db: PrismaClient): Promise<boolean> {
  return (await db.financingProduct.count()) === 0;
}
