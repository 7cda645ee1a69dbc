// The city's clock: one injectable source of "now" for the gateway and every subgraph, and the
// business day it falls on. Credit Zhengzhou works on Zhengzhou's calendar: at 2026-11-30T22:46Z
// it is already 1 December there, so a violation that occurred "2026-12-01" is not in the future.
//
// Dates (decision days, due days, list expiry) are calendar dates, carried as a `Date` at UTC
// midnight: the shape Prisma gives `@db.Date` columns, and what `toISOString().slice(0, 10)`
// prints as YYYY-MM-DD. Timestamps (createdAt, filedAt, a traceability step) are instants and
// stay UTC. Production uses the system clock; tests inject a fixed instant with `useClock`.
import { TZDate } from '@date-fns/tz';

/** The time zone of Credit Zhengzhou's business day (IANA name; China Standard Time). */
export const DEFAULT_BUSINESS_TIME_ZONE = 'Asia/Shanghai';
/** The environment variable that sets the business time zone (an IANA name, e.g. Asia/Urumqi). */
export const BUSINESS_TIME_ZONE_VARIABLE = 'BUSINESS_TIME_ZONE';

export interface Clock {
  /** The current instant. */
  now(): Date;
  /** The IANA time zone whose calendar gives the business day. */
  readonly timeZone: string;
}

/** A business time zone that is not an IANA zone this Node knows (a start-up configuration error). */
export class TimeZoneError extends Error {
  override name = 'TimeZoneError';
}

/** `name` if it is an IANA time zone this Node knows; otherwise a TimeZoneError naming the variable. */
export function checkTimeZone(name: string, variable = BUSINESS_TIME_ZONE_VARIABLE): string {
  try {
    // Throws RangeError for an unknown zone; an empty name would silently mean the process zone.
    if (name.trim() === '') throw new RangeError('empty');
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name;
  } catch {
    throw new TimeZoneError(`${variable} must be an IANA time zone such as ${DEFAULT_BUSINESS_TIME_ZONE}, got "${name}"`);
  }
}

/** The business time zone from the environment (BUSINESS_TIME_ZONE, default Asia/Shanghai), checked. */
export function businessTimeZoneFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return checkTimeZone(env[BUSINESS_TIME_ZONE_VARIABLE] ?? DEFAULT_BUSINESS_TIME_ZONE);
}

/** The system clock, in the business time zone `timeZone`. */
export function systemClock(timeZone = DEFAULT_BUSINESS_TIME_ZONE): Clock {
  checkTimeZone(timeZone);
  return { now: () => new Date(), timeZone };
}

/** A clock stopped at `instant` (tests): every rule sees the same "now". */
export function fixedClock(instant: Date | string, timeZone = DEFAULT_BUSINESS_TIME_ZONE): Clock {
  const at = new Date(instant);
  if (Number.isNaN(at.getTime())) throw new Error(`fixedClock: not an instant: ${String(instant)}`);
  checkTimeZone(timeZone);
  return { now: () => new Date(at), timeZone };
}

let installed: Clock | undefined;

/** The process's clock: the one installed, else the system clock in BUSINESS_TIME_ZONE. */
export function clock(): Clock {
  installed ??= systemClock(businessTimeZoneFromEnv());
  return installed;
}

/**
 * Installs `next` as the process's clock (tests inject a fixed instant; start-up installs the
 * system clock). Returns a function that puts the previous clock back.
 */
export function useClock(next: Clock): () => void {
  const previous = installed;
  installed = next;
  return () => {
    installed = previous;
  };
}

/**
 * Start-up: reads and checks BUSINESS_TIME_ZONE and installs the system clock in it, unless a
 * clock was injected already (a test). Throws on an unknown zone, so a typo stops the process
 * before it serves a single wrong date.
 */
export function configureClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const timeZone = businessTimeZoneFromEnv(env);
  installed ??= systemClock(timeZone);
  return installed;
}

/** The last business day computed, with the instants it runs between: rules ask for "today" per record. */
let lastDay: { timeZone: string; from: number; until: number; date: number } | undefined;

/** The calendar date `instant` falls on in `timeZone`, as a (new) Date at UTC midnight. */
export function businessDateOf(instant: Date, timeZone: string): Date {
  const at = instant.getTime();
  if (lastDay && lastDay.timeZone === timeZone && at >= lastDay.from && at < lastDay.until) return new Date(lastDay.date);
  const local = new TZDate(at, timeZone);
  const date = new Date(Date.UTC(local.getFullYear(), local.getMonth(), local.getDate()));
  lastDay = { timeZone, from: startOfBusinessDay(date, timeZone).getTime(), until: endOfBusinessDay(date, timeZone).getTime(), date: date.getTime() };
  return new Date(lastDay.date);
}

/** Today in the business time zone (UTC midnight of Zhengzhou's date by default). */
export function businessToday(from: Clock = clock()): Date {
  return businessDateOf(from.now(), from.timeZone);
}

/** The instant the business day `date` (UTC midnight) begins in `timeZone`, e.g. 00:00 in Zhengzhou. */
export function startOfBusinessDay(date: Date, timeZone: string = clock().timeZone): Date {
  return new Date(TZDate.tz(timeZone, date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()).getTime());
}

/**
 * The calendar date `days` days after `date` (negative: before); both UTC midnights. UTC has
 * no daylight saving, so a day is always 86,400,000 ms (plain arithmetic: a TZDate costs an
 * Intl offset lookup per call, on every record of a portfolio).
 */
export function daysAfter(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}

/** The instant the business day `date` ends: the start of the next one. */
export function endOfBusinessDay(date: Date, timeZone: string = clock().timeZone): Date {
  return startOfBusinessDay(daysAfter(date, 1), timeZone);
}

/** A calendar date (UTC midnight) as YYYY-MM-DD. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
