// What a read touched, reported by the subgraph that resolved it in its response's extensions
// and put on the audit record by the gateway (征信业管理条例 art. 22: every query of credit
// data is on record, with its subject). The subgraph that resolves a guarded field knows the
// entity it belongs to, whatever the operation's aliases, fragments or variables; the gateway
// cannot tell that from the answer's shape, so it never guesses.
import { WORKER_ID_PATTERN } from './caller.ts';
import { isValidUscc } from './uscc.ts';

/** The response extension a subgraph reports its reads in. */
export const READ_REPORT_EXTENSION = 'creditReads';

/**
 * Most subjects one report may name per list; a longer list is cut (and the cut logged by the
 * gateway). A portfolio check names at most 500 enterprises; a worker list page is smaller.
 */
export const MAX_REPORTED_SUBJECTS = 5000;

/** The subjects of one subgraph response: enterprise USCCs and worker ids. */
export interface ReadReport {
  /**
   * Entities whose non-public fields were resolved to data (not null), or whose natural
   * person's data was shown unmasked (a worker by id; a legal representative by the USCC).
   */
  read: string[];
  /** Entities whose guarded fields were refused (FORBIDDEN, PURPOSE_REQUIRED, CONSENT_REQUIRED). */
  denied: string[];
}

/** A subject key the audit log accepts: a valid USCC or a worker id; anything else is dropped. */
export function isSubjectKey(value: unknown): value is string {
  return typeof value === 'string' && (WORKER_ID_PATTERN.test(value) || isValidUscc(value));
}

function keys(value: unknown): { keys: string[]; cut: boolean } {
  if (!Array.isArray(value)) return { keys: [], cut: false };
  const kept = value.slice(0, MAX_REPORTED_SUBJECTS).filter(isSubjectKey);
  return { keys: kept, cut: value.length > MAX_REPORTED_SUBJECTS };
}

/**
 * The report in a subgraph response's `extensions` (none: empty lists). Only valid keys are
 * kept, at most MAX_REPORTED_SUBJECTS per list; `cut` tells that a list was longer.
 */
export function readReportFrom(extensions: Record<string, unknown> | undefined): ReadReport & { cut: boolean } {
  const reported = extensions?.[READ_REPORT_EXTENSION] as Partial<Record<keyof ReadReport, unknown>> | undefined;
  if (!reported || typeof reported !== 'object') return { read: [], denied: [], cut: false };
  const read = keys(reported.read);
  const denied = keys(reported.denied);
  return { read: read.keys, denied: denied.keys, cut: read.cut || denied.cut };
}
