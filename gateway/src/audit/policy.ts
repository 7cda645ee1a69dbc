// What goes on the record: every operation that reads non-public data, reads unmasked
// personal data, writes anything, or was refused a guarded field. Public reads (双公示 data
// anyone may see, names masked) are not audited.
import { createHash } from 'node:crypto';
import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { WORKER_ID_PATTERN } from '@credit-graph/contract';
import type { AuditEntry } from './audit.ts';
import type { GatewayContext } from '../trust/request-context.ts';

const USCC_KEY = 'uscc';

/** The enterprises and workers the answer is about: every `uscc` value and worker id in it. */
export function returnedSubjects(data: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(data)) {
    for (const item of data) returnedSubjects(item, into);
  } else if (data && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      if (typeof value === 'string' && (key === USCC_KEY || WORKER_ID_PATTERN.test(value))) into.add(value);
      else returnedSubjects(value, into);
    }
  }
  return into;
}

export function describeForAudit(requestContext: GraphQLRequestContextWillSendResponse<GatewayContext>): AuditEntry | null {
  const { contextValue, operation, response } = requestContext;
  const authorization = contextValue.authorization;
  const writes = operation?.operation === 'mutation';
  const readsNonPublic = (authorization?.scopesUsed.length ?? 0) > 0;
  const denied = (authorization?.deniedFields.length ?? 0) > 0;
  const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
  const data = body?.data;
  const subjects = returnedSubjects(data);
  // A write is about the enterprises it changed, whatever its answer selects.
  for (const change of contextValue.creditChanges ?? []) subjects.add(change.uscc);
  const { caller } = contextValue;
  // Names of natural persons are shown unmasked to these callers: that read is on record too.
  const seesPersonalData = (caller.workerGrants?.length ?? 0) > 0 || caller.scopes.includes('personal:read');
  if (!writes && !readsNonPublic && !denied && !(seesPersonalData && subjects.size > 0)) return null;

  const errors = body?.errors ?? [];
  const hasData = data !== null && data !== undefined && Object.values(data).some((value) => value !== null);
  return {
    subject: caller.subject,
    role: caller.role,
    institution: caller.institution,
    purpose: caller.purpose,
    consentIds: [...(caller.consentIds ?? [])],
    operationName: requestContext.operationName ?? undefined,
    operationHash: createHash('sha256').update(requestContext.source ?? '').digest('hex'),
    subjects: [...subjects],
    scopesUsed: authorization?.scopesUsed ?? [],
    outcome: errors.length === 0 ? 'ok' : hasData ? 'partial' : 'denied',
    clientAddress: contextValue.clientAddress,
  };
}
