// What goes on the record: every operation that reads non-public data, writes anything, or
// was refused a guarded field. Public reads (双公示 data anyone may see) are not audited.
import { createHash } from 'node:crypto';
import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { AuditEntry } from './audit.ts';
import type { GatewayContext } from './request-context.ts';

const USCC_KEY = 'uscc';
const WORKER_ID = /^wk_[0-9a-f]{16}$/;

/** The enterprises and workers the answer is about: every `uscc` value and worker id in it. */
export function returnedSubjects(data: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(data)) {
    for (const item of data) returnedSubjects(item, into);
  } else if (data && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      if (typeof value === 'string' && (key === USCC_KEY || WORKER_ID.test(value))) into.add(value);
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
  if (!writes && !readsNonPublic && !denied) return null;

  const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
  const data = body?.data;
  const errors = body?.errors ?? [];
  const hasData = data !== null && data !== undefined && Object.values(data).some((value) => value !== null);
  const { caller } = contextValue;
  return {
    subject: caller.subject,
    role: caller.role,
    institution: caller.institution,
    purpose: caller.purpose,
    consentIds: [...(caller.consentIds ?? [])],
    operationName: requestContext.operationName ?? undefined,
    operationHash: createHash('sha256').update(requestContext.source ?? '').digest('hex'),
    subjects: [...returnedSubjects(data)],
    scopesUsed: authorization?.scopesUsed ?? [],
    outcome: errors.length === 0 ? 'ok' : hasData ? 'partial' : 'denied',
    clientAddress: contextValue.clientAddress,
  };
}
