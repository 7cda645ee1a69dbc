import { businessToday, creditGraphError, type Caller } from '@credit-graph/contract';
import {
  assertNotFuture,
  assertNotNegative,
  assertOrder,
  assertText,
  containsText,
  idempotentWrite,
  inputError,
  invalidTransition,
  newRecordId,
  publish,
  recordId,
  recordStatesOf,
  countedSignals,
  evaluationInput,
  visibleRecords,
  withRecordStates,
  type EnterpriseRepresentation,
  type NegativeRecordKind,
  type Publication,
  type RecordReferences,
  type RecordStates,
  type SubgraphContext,
} from '@credit-graph/subgraph-kit';
import type {
  ArrearsKind,
  FinanceProfile,
  FinancingProduct,
  LoanStatus,
  PaymentArrears,
  Prisma,
  PrismaClient,
  Severity,
  TaxCreditLevel,
  XinYiDaiLoan,
} from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';
import { FIRST_TAX_CREDIT_YEAR, LOAN_OUTCOMES, LOAN_TRANSITIONS, TAX_LEVEL_FLOORS, loanSeverity, moreSevere } from './rules.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

/** The profile carries the enterprise's record states down to its negative records. */
type Profile = FinanceProfile & { states: RecordStates };

/** The finance sector's two kinds of negative records. */
const ARREARS: NegativeRecordKind = { source: 'finance', kind: 'PaymentArrears' };
// Tax arrears are published by the tax authority (欠税公告): a public kind of their own, so that
// their objections and repairs are public too while the other arrears' stay non-public.
const TAX_ARREARS: NegativeRecordKind = { source: 'finance', kind: 'TaxArrears' };
const arrearsKind = (row: { kind: string }): NegativeRecordKind => (row.kind === 'TAX' ? TAX_ARREARS : ARREARS);
const DELINQUENT_LOAN: NegativeRecordKind = { source: 'finance', kind: 'XinYiDaiLoan' };

/** Arrears as the kit sees a negative record: the window runs from the reporting day. */
const arrearsRecord = (row: PaymentArrears) => ({ ...row, decidedOn: row.reportedOn });

/** A loan the bank has reported overdue or defaulted: a negative record. */
type DelinquentLoan = XinYiDaiLoan & { severity: Severity; delinquencyReportedOn: Date };

function isDelinquent(loan: XinYiDaiLoan): loan is DelinquentLoan {
  return loan.severity !== null && loan.delinquencyReportedOn !== null;
}

const loanRecord = (loan: DelinquentLoan) => ({ ...loan, decidedOn: loan.delinquencyReportedOn });

/**
 * The loans this caller may see: every loan never reported delinquent, and the delinquent ones
 * as their publication allows (in the window; archived ones for regulators; revoked for none).
 */
function visibleLoans(loans: readonly XinYiDaiLoan[], states: RecordStates, caller: Caller, references: RecordReferences) {
  const shown = new Map(
    visibleRecords(DELINQUENT_LOAN, loans.filter(isDelinquent).map(loanRecord), states, caller, references).map((loan) => [loan.id, loan]),
  );
  return loans.flatMap((loan): (XinYiDaiLoan & { publication: Publication | null })[] => {
    if (!isDelinquent(loan)) return [{ ...loan, publication: null }];
    const published = shown.get(loan.id);
    return published ? [published] : [];
  });
}

/** A loan as a write returns it: with its publication when it is a negative record. */
function loanWithPublication(loan: XinYiDaiLoan, references: RecordReferences) {
  return isDelinquent(loan) ? publish(DELINQUENT_LOAN, loanRecord(loan), new Map(), references) : { ...loan, publication: null };
}

interface FinancingProductArgs {
  bankName?: string | null;
  minAmount?: number | null;
}

function productWhere(args: FinancingProductArgs): Prisma.FinancingProductWhereInput {
  if (args.minAmount != null && args.minAmount < 0) {
    throw creditGraphError(
      'BAD_USER_INPUT',
      `"minAmount" is an amount in 10,000 CNY and cannot be negative, got ${args.minAmount}: pass 0 or leave it out for all products`,
      { argumentName: 'minAmount' },
    );
  }
  return {
    ...(args.bankName ? { bankName: containsText(args.bankName) } : {}),
    ...(args.minAmount != null ? { maxAmount: { gte: args.minAmount } } : {}),
  };
}

const toNumber = (value: Prisma.Decimal) => value.toNumber();

const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/** A year's rating is published the April after: the latest ratable year is last year. */
function assertTaxYear(year: number, field: string): void {
  const lastYear = businessToday().getUTCFullYear() - 1;
  if (!Number.isInteger(year) || year < FIRST_TAX_CREDIT_YEAR || year > lastYear) {
    throw inputError(field, `must be a rated year from ${FIRST_TAX_CREDIT_YEAR} to ${lastYear} (a year is rated the following April), got ${year}`, {
      minimum: FIRST_TAX_CREDIT_YEAR,
      maximum: lastYear,
    });
  }
}

/**
 * The profile row every record hangs on: created by the platform's first write about the
 * enterprise, before the enterprise has authorized banks (authorizedOn stays null).
 */
function ensureProfile(tx: Prisma.TransactionClient, uscc: string) {
  return tx.financeProfile.upsert({ where: { uscc }, create: { uscc, authorizedOn: null }, update: {} });
}

interface TaxCreditLevelInput { uscc: string; year: number; level: TaxCreditLevel; score: number }
interface PaymentArrearsInput {
  uscc: string;
  kind: ArrearsKind;
  amount: number;
  since: Date;
  reportedOn: Date;
  severity: Severity;
  reportedBy: string;
}
interface LoanOutcomeInput { loanId: string; status: LoanStatus; reportedOn: Date; overdueDays: number }
type WriteArgs<Input> = { input: Input; idempotencyKey: string };

/**
 * What finance hands the evaluation: the latest tax credit level and the published tax arrears
 * (欠税公告). Other arrears and loans are non-public data and never move a public grade.
 */
async function financeEvaluationInput(uscc: string, loaders: Loaders) {
  const [ratings, arrears] = await Promise.all([loaders.taxCredits.load(uscc), loaders.arrears.load(uscc)]);
  return evaluationInput(ratings[0]?.level ?? null, arrears.filter((row) => row.kind === 'TAX').map(arrearsRecord), TAX_ARREARS);
}

export const resolvers = {
  Query: {
    financingProducts: (_: unknown, args: FinancingProductArgs, { db }: Context) =>
      db.financingProduct.findMany({ where: productWhere(args), orderBy: [{ annualRateFrom: 'asc' }, { id: 'asc' }] }),
  },

  Mutation: {
    recordTaxCreditLevel: async (_: unknown, { input, idempotencyKey }: WriteArgs<TaxCreditLevelInput>, context: Context) => {
      assertTaxYear(input.year, 'input.year');
      if (!Number.isInteger(input.score) || input.score < 0 || input.score > 100) {
        throw inputError('input.score', `must be a whole number from 0 to 100, got ${input.score}`);
      }
      const floor = TAX_LEVEL_FLOORS[input.level];
      if (input.score < floor) {
        throw inputError('input.level', `${input.level} needs a score of at least ${floor}, got ${input.score}: a level may be worse than the score earns, never better`);
      }
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordTaxCreditLevel', input }, async (tx) => {
        await ensureProfile(tx, input.uscc);
        // One rating per enterprise and year: the id is the key (as the seed makes it).
        const ratingId = recordId('TAX', input.uscc, input.year);
        const values = { level: input.level, score: input.score };
        await tx.taxCreditRating.upsert({
          where: { id: ratingId },
          create: { id: ratingId, uscc: input.uscc, year: input.year, ...values },
          update: values,
        });
        return {
          id: ratingId,
          changes: [{ uscc: input.uscc, kind: 'SECTOR_RECORD', source: 'finance', summary: `Tax credit level ${input.year}: ${input.level} (${input.score})`, recordId: ratingId }],
        };
      });
      return context.db.taxCreditRating.findUniqueOrThrow({ where: { id } });
    },

    recordPaymentArrears: async (_: unknown, { input, idempotencyKey }: WriteArgs<PaymentArrearsInput>, context: Context) => {
      assertNotNegative('input.amount', input.amount);
      assertNotFuture('input.since', input.since);
      assertNotFuture('input.reportedOn', input.reportedOn);
      assertOrder('input.reportedOn', input.reportedOn, 'input.since', input.since);
      const reportedBy = assertText('input.reportedBy', input.reportedBy, 200);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordPaymentArrears', input }, async (tx) => {
        await ensureProfile(tx, input.uscc);
        const arrears = await tx.paymentArrears.create({
          data: { ...input, id: newRecordId('pa'), reportedBy, settled: false, settledOn: null },
        });
        return {
          id: arrears.id,
          changes: [{
            uscc: input.uscc,
            kind: 'NEGATIVE_RECORD',
            source: 'finance',
            summary: `Payment arrears (${input.severity}): ${input.kind}, ${input.amount} (10k CNY) unpaid since ${isoDate(input.since)}, reported by ${reportedBy}`,
            recordId: arrears.id,
          }],
        };
      });
      return publish(arrearsKind, arrearsRecord(await context.db.paymentArrears.findUniqueOrThrow({ where: { id } })), new Map(), context.references);
    },

    recordArrearsSettled: async (_: unknown, args: { arrearsId: string; settledOn: Date; idempotencyKey: string }, context: Context) => {
      assertNotFuture('settledOn', args.settledOn);
      const id = await idempotentWrite(context.db, context, { key: args.idempotencyKey, operation: 'recordArrearsSettled', input: args }, async (tx) => {
        const arrears = await tx.paymentArrears.findUnique({ where: { id: args.arrearsId } });
        if (!arrears) throw inputError('arrearsId', `no payment arrears have id ${args.arrearsId}`);
        assertOrder('settledOn', args.settledOn, 'the first unpaid day (since)', arrears.since);
        if (arrears.settled) {
          // The same settlement again is no change; another date contradicts the record.
          if (arrears.settledOn?.getTime() === args.settledOn.getTime()) return { id: arrears.id };
          throw invalidTransition(`arrears ${arrears.id} were already settled on ${arrears.settledOn ? isoDate(arrears.settledOn) : 'an unknown day'}`, 'SETTLED');
        }
        // Conditional: a concurrent settlement under another key cannot be overwritten.
        const { count } = await tx.paymentArrears.updateMany({ where: { id: arrears.id, settled: false }, data: { settled: true, settledOn: args.settledOn } });
        if (count === 0) throw invalidTransition(`arrears ${arrears.id} were settled meanwhile`, 'SETTLED');
        return {
          id: arrears.id,
          changes: [{
            uscc: arrears.uscc,
            kind: 'SECTOR_RECORD',
            source: 'finance',
            summary: `Payment arrears ${arrears.kind} reported ${isoDate(arrears.reportedOn)} settled on ${isoDate(args.settledOn)}`,
            recordId: arrears.id,
          }],
        };
      });
      return publish(arrearsKind, arrearsRecord(await context.db.paymentArrears.findUniqueOrThrow({ where: { id } })), new Map(), context.references);
    },

    recordLoanOutcome: async (_: unknown, { input, idempotencyKey }: WriteArgs<LoanOutcomeInput>, context: Context) => {
      if (!LOAN_OUTCOMES.includes(input.status)) {
        throw inputError('input.status', `must be one of ${LOAN_OUTCOMES.join(', ')} (what a bank reports on a granted loan), got ${input.status}`);
      }
      assertNotFuture('input.reportedOn', input.reportedOn);
      const delinquent = input.status === 'OVERDUE' || input.status === 'DEFAULTED';
      if (!Number.isInteger(input.overdueDays) || input.overdueDays < 0) {
        throw inputError('input.overdueDays', `must be a whole number of days, zero or more, got ${input.overdueDays}`);
      }
      if (delinquent && input.overdueDays < 1) throw inputError('input.overdueDays', `must be 1 or more for a ${input.status} loan`);
      if (!delinquent && input.overdueDays !== 0) throw inputError('input.overdueDays', `must be 0 for a ${input.status} loan, got ${input.overdueDays}`);
      const id = await idempotentWrite(context.db, context, { key: idempotencyKey, operation: 'recordLoanOutcome', input }, async (tx) => {
        const loan = await tx.xinYiDaiLoan.findUnique({ where: { id: input.loanId } });
        if (!loan) throw inputError('input.loanId', `no Xin-Yi-Dai loan has id ${input.loanId}`);
        const allowed = LOAN_TRANSITIONS[loan.status];
        if (!allowed.includes(input.status)) {
          throw invalidTransition(
            `a ${loan.status} loan cannot be reported ${input.status}${allowed.length ? ` (next: ${allowed.join(', ')})` : ' (no further reports)'}`,
            loan.status,
            { loanId: loan.id, allowed },
          );
        }
        if (loan.grantedOn) assertOrder('input.reportedOn', input.reportedOn, `the grant date ${isoDate(loan.grantedOn)}`, loan.grantedOn);
        assertOrder('input.reportedOn', input.reportedOn, `the loan's latest report of ${isoDate(loan.statusOn)}`, loan.statusOn);
        const firstMissed = new Date(input.reportedOn.getTime() - input.overdueDays * 86_400_000);
        if (loan.grantedOn && firstMissed < loan.grantedOn) {
          throw inputError('input.overdueDays', `${input.overdueDays} days before ${isoDate(input.reportedOn)} is before the loan was granted on ${isoDate(loan.grantedOn)}`);
        }
        // The severity never goes down; when it rises, the window restarts from this report.
        const severity = loanSeverity(input.status, input.overdueDays);
        const escalates = severity !== null && moreSevere(severity, loan.severity);
        const { count } = await tx.xinYiDaiLoan.updateMany({
          // Conditional: a concurrent report under another key is not silently overwritten.
          where: { id: loan.id, status: loan.status, statusOn: loan.statusOn },
          data: {
            status: input.status,
            statusOn: input.reportedOn,
            overdueDays: input.overdueDays,
            ...(escalates ? { severity, delinquencyReportedOn: input.reportedOn } : {}),
          },
        });
        if (count === 0) throw invalidTransition(`loan ${loan.id} was reported on meanwhile: read it again`, loan.status, { loanId: loan.id });
        const days = delinquent ? `, ${input.overdueDays} days overdue` : '';
        return {
          id: loan.id,
          changes: [
            escalates
              ? { uscc: loan.uscc, kind: 'NEGATIVE_RECORD', source: 'finance', summary: `Xin-Yi-Dai loan ${input.status} (${severity})${days}: ${loan.productName}, ${loan.bankName}`, recordId: loan.id }
              : { uscc: loan.uscc, kind: 'SECTOR_RECORD', source: 'finance', summary: `Xin-Yi-Dai loan ${input.status}${days}: ${loan.productName}, ${loan.bankName}`, recordId: loan.id },
          ],
        };
      });
      return loanWithPublication(await context.db.xinYiDaiLoan.findUniqueOrThrow({ where: { id } }), context.references);
    },
  },

  Enterprise: {
    // The registry owns the entity; the key (and the record states it requires) is all this subgraph needs.
    __resolveReference: (reference: EnterpriseRepresentation) => reference,
    finance: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) => {
      const profile = await loaders.profile.load(enterprise.uscc);
      return withRecordStates(profile, enterprise, references);
    },
    financeSignals: async (enterprise: EnterpriseRepresentation, _: unknown, { loaders, references }: Context) =>
      countedSignals(await financeEvaluationInput(enterprise.uscc, loaders), recordStatesOf(enterprise, references)),
    financeEvaluationInput: (enterprise: EnterpriseRepresentation, _: unknown, { loaders }: Context) =>
      financeEvaluationInput(enterprise.uscc, loaders),
  },

  FinanceProfile: {
    currentTaxCreditLevel: async (profile: Profile, _: unknown, { loaders }: Context) =>
      (await loaders.taxCredits.load(profile.uscc))[0]?.level ?? null,
    taxCredits: (profile: Profile, _: unknown, { loaders }: Context) => loaders.taxCredits.load(profile.uscc),
    socialInsurance: (profile: Profile, _: unknown, { loaders }: Context) => loaders.socialInsurance.load(profile.uscc),
    housingFund: (profile: Profile, _: unknown, { loaders }: Context) => loaders.housingFund.load(profile.uscc),
    utilities: (profile: Profile, _: unknown, { loaders }: Context) => loaders.utilities.load(profile.uscc),
    loans: async (profile: Profile, _: unknown, { loaders, caller, references }: Context) =>
      visibleLoans(await loaders.loans.load(profile.uscc), profile.states, caller, references),
    arrears: async (profile: Profile, _: unknown, { loaders, caller, references }: Context) =>
      visibleRecords(arrearsKind, (await loaders.arrears.load(profile.uscc)).map(arrearsRecord), profile.states, caller, references),
  },

  SocialInsurancePayment: {
    arrearsAmount: (payment: { arrearsAmount: Prisma.Decimal }) => toNumber(payment.arrearsAmount),
  },

  XinYiDaiLoan: {
    amount: (loan: { amount: Prisma.Decimal }) => toNumber(loan.amount),
  },

  PaymentArrears: {
    amount: (arrears: PaymentArrears) => toNumber(arrears.amount),
  },

  FinancingProduct: {
    maxAmount: (product: FinancingProduct) => toNumber(product.maxAmount),
    annualRateFrom: (product: FinancingProduct) => toNumber(product.annualRateFrom),
  },
};
