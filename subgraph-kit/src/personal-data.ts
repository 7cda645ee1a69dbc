// Masking of natural persons' data (PIPL art. 28): by default a name shows its first
// character only, and a birth date only as an age band.
import { businessToday, type Caller } from '@credit-graph/contract';
import { personalDataVisible, type ReadLog } from './permissions.ts';

export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1);
}

const AGE_BANDS = [
  [18, 25, 'AGE_18_25'],
  [26, 35, 'AGE_26_35'],
  [36, 45, 'AGE_36_45'],
  [46, 55, 'AGE_46_55'],
  [56, 200, 'AGE_56_PLUS'],
] as const;

export type AgeBand = (typeof AGE_BANDS)[number][2] | 'UNDER_18';

/** The age band on `asOf` (default: today in Zhengzhou) of a person born on `birthDate` (UTC midnights). */
export function ageBand(birthDate: Date, asOf: Date = businessToday()): AgeBand {
  let age = asOf.getUTCFullYear() - birthDate.getUTCFullYear();
  const beforeBirthday =
    asOf.getUTCMonth() < birthDate.getUTCMonth() ||
    (asOf.getUTCMonth() === birthDate.getUTCMonth() && asOf.getUTCDate() < birthDate.getUTCDate());
  if (beforeBirthday) age -= 1;
  return AGE_BANDS.find(([from, to]) => age >= from && age <= to)?.[2] ?? 'UNDER_18';
}

/**
 * A natural person's name as this caller may see it (PIPL art. 28): unmasked for a caller that
 * `personalDataVisible` allows, masked otherwise. An unmasked name is a read of personal data,
 * logged under `subject` for the audit record: the worker's opaque id, or the USCC of the
 * enterprise whose legal representative it is. `workerId` is the worker whose grant opens it.
 */
export function personalName(
  context: { caller: Caller; reads?: ReadLog },
  name: string,
  subject: string,
  workerId?: string,
): string {
  if (!personalDataVisible(context.caller, workerId)) return maskName(name);
  context.reads?.read.add(subject);
  return name;
}
