// What goes on the record: every operation that reads non-public data, reads unmasked
// personal data, writes anything, or was refused a guarded field. Public reads (双公示 data
// anyone may see, names masked) are not audited.
//
// The subjects of a record are what the operation actually read (征信业管理条例 art. 22):
// the subgraphs that resolved guarded or unmasked personal fields report the entities they
// belonged to (read-report.ts in the contract), and a write's subgraph reports what it changed.
// Nothing is taken from the answer's shape or from the caller's input, so aliases, fragments,
// variables and unselected key fields change nothing.
import { createHash } from 'node:crypto';
import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { readReportFrom } from '@credit-graph/contract';
import type { AuditEntry } from './audit.ts';
import type { GatewayContext } from '../trust/request-context.ts';

/** Whose guarded data one request read or was refused, collected from its subgraph calls. */
export interface RequestReads {
  read: Set<string>;
  denied: Set<string>;
  /**
   * Consents a gateway-hosted resolver relied on that the operation's arguments do not name
   * (the change feed reads the enterprises that consented, named nowhere): consent id -> the
   * enterprise (USCC) that granted it.
   */
  consents: Map<string, string>;
}

export function createRequestReads(): RequestReads {
  return { read: new Set(), denied: new Set(), consents: new Map() };
}

/**
 * Adds one subgraph response's read report (its `extensions`) to the request's reads. Called by
 * the subgraph client for every answer; invalid keys are dropped, an over-long list is cut and
 * logged (a subgraph reporting more than a page can hold is a bug to find, not to hide).
 */
export function collectReads(
  into: RequestReads | undefined,
  extensions: Record<string, unknown> | undefined,
  serviceName: string,
  logger: Pick<Console, 'warn'> = console,
): void {
  if (!into) return;
  const report = readReportFrom(extensions);
  for (const key of report.read) into.read.add(key);
  for (const key of report.denied) into.denied.add(key);
  if (report.cut) logger.warn(`[gateway] subgraph ${serviceName} reported more subjects than the audit keeps per answer; the rest were cut`);
}

/**
 * The audit entry for one answered operation, or null when it is not audited. In: the request
 * context at willSendResponse (caller, authorization decisions, the reads and changes the
 * subgraphs reported). Out: who, why, `subjects` (enterprise USCCs and worker ids whose guarded
 * or unmasked personal data was read, or that a write changed), `deniedSubjects` (refused) and
 * `consentIds` (the live consents of the enterprises in `subjects`).
 */
export function describeForAudit(requestContext: GraphQLRequestContextWillSendResponse<GatewayContext>): AuditEntry | null {
  const { contextValue, operation, response } = requestContext;
  const authorization = contextValue.authorization;
  const reads = contextValue.reads ?? createRequestReads();
  const writes = operation?.operation === 'mutation';
  const readsNonPublic = (authorization?.scopesUsed.length ?? 0) > 0;
  const denied = (authorization?.deniedFields.length ?? 0) > 0;
  const subjects = new Set(reads.read);
  // A write is about the enterprises it changed, whatever its answer selects.
  for (const change of contextValue.creditChanges ?? []) subjects.add(change.uscc);
  if (!writes && !readsNonPublic && !denied && subjects.size === 0 && reads.denied.size === 0) return null;

  const { caller } = contextValue;
  const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
  const data = body?.data;
  const errors = body?.errors ?? [];
  const hasData = data !== null && data !== undefined && Object.values(data).some((value) => value !== null);
  return {
    subject: caller.subject,
    role: caller.role,
    institution: caller.institution,
    purpose: caller.purpose,
    // The consents the read relied on: those of the enterprises it read, not of every one it
    // named, and those a resolver relied on for enterprises the arguments do not name (the feed).
    consentIds: [
      ...new Set([
        ...(caller.consentIds ?? []).filter((id) => {
          const grantedBy = contextValue.consentGrantedBy?.get(id);
          return grantedBy === undefined || subjects.has(grantedBy);
        }),
        ...[...(reads.consents ?? [])].filter(([, grantedBy]) => subjects.has(grantedBy)).map(([id]) => id),
      ]),
    ],
    operationName: requestContext.operationName ?? undefined,
    operationHash: createHash('sha256').update(requestContext.source ?? '').digest('hex'),
    subjects: [...subjects],
    deniedSubjects: [...reads.denied],
    scopesUsed: authorization?.scopesUsed ?? [],
    outcome: errors.length === 0 ? 'ok' : hasData ? 'partial' : 'denied',
    clientAddress: contextValue.clientAddress,
  };
}
