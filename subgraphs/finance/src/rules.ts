// Finance rules shared by the seed and the writes: what a tax credit score allows, how severe a
// delinquent loan or a payment arrears is, and which loan status may follow which.
import type { LoanStatus, Severity, TaxCreditLevel } from './generated/prisma/client.ts';

/** The first year of the tax credit rating scheme (纳税信用管理办法（试行）, 2014). */
export const FIRST_TAX_CREDIT_YEAR = 2014;

/**
 * Lowest score each level needs. A score never earns a better level than this, but the tax
 * authority may set a worse one (a firm barred from A, a D assigned directly for evasion).
 */
export const TAX_LEVEL_FLOORS: Record<TaxCreditLevel, number> = { A: 90, B: 70, M: 70, C: 40, D: 0 };

/** Tax credit level for a score; a firm rated in the year it was set up is M when it scores 70 or more. */
export function taxCreditLevel(score: number, newFirm: boolean): TaxCreditLevel {
  if (score >= 90 && !newFirm) return 'A';
  if (score >= 70) return newFirm ? 'M' : 'B';
  return score >= 40 ? 'C' : 'D';
}

const SEVERITY_RANK: Record<Severity, number> = { MINOR: 0, GENERAL: 1, SEVERE: 2 };

export function moreSevere(a: Severity, b: Severity | null | undefined): boolean {
  return b == null || SEVERITY_RANK[a] > SEVERITY_RANK[b];
}

/**
 * Overdue days at which a delinquent loan reaches each severity: overdue from the first day
 * (MINOR), 30 days (GENERAL), 90 days, when the loan is non-performing (不良, SEVERE). A default
 * (written off) is SEVERE whatever the days.
 */
export const LOAN_SEVERITY_DAYS: [Severity, number][] = [
  ['SEVERE', 90],
  ['GENERAL', 30],
  ['MINOR', 1],
];

/** The severity of a loan reported OVERDUE or DEFAULTED; null for any other status. */
export function loanSeverity(status: LoanStatus, overdueDays: number): Severity | null {
  if (status === 'DEFAULTED') return 'SEVERE';
  if (status !== 'OVERDUE') return null;
  return LOAN_SEVERITY_DAYS.find(([, days]) => overdueDays >= days)?.[0] ?? 'MINOR';
}

/** The overdue days at which a loan reached `severity` (the day the bank reports it so). */
export function daysToReach(severity: Severity): number {
  return LOAN_SEVERITY_DAYS.find(([level]) => level === severity)![1];
}

/**
 * The statuses a bank may report next for a loan in `status`. An application is decided on
 * the platform itself; the banks report what happens to granted loans: disbursement, repayment,
 * an overdue instalment (again, with more days), a cure back on schedule, a default.
 */
export const LOAN_TRANSITIONS: Record<LoanStatus, readonly LoanStatus[]> = {
  APPLIED: [],
  APPROVED: ['DISBURSED'],
  DISBURSED: ['REPAID', 'OVERDUE', 'DEFAULTED'],
  OVERDUE: ['OVERDUE', 'DISBURSED', 'REPAID', 'DEFAULTED'],
  DEFAULTED: ['DEFAULTED', 'REPAID'],
  REPAID: [],
  REJECTED: [],
};

/** The statuses recordLoanOutcome takes: outcomes of a granted loan. */
export const LOAN_OUTCOMES: readonly LoanStatus[] = ['DISBURSED', 'REPAID', 'OVERDUE', 'DEFAULTED'];

/** Severity of unpaid social insurance or housing fund months: 3 months GENERAL, 6 SEVERE. */
export function arrearsMonthsSeverity(months: number): Severity {
  return months >= 6 ? 'SEVERE' : months >= 3 ? 'GENERAL' : 'MINOR';
}
