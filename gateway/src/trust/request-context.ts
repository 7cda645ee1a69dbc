// Builds each request's GraphQL context: who is calling (identity), for what declared
// purpose, and from where. A refused credential or an unknown purpose fails the request here,
// before anything is parsed or planned.
import type { IncomingMessage } from 'node:http';
import { creditGraphError, purposeAllowed, PURPOSES, ROLE_PURPOSES, type Caller, type CreditChange, type Purpose } from '@credit-graph/contract';
import { createRequestReads, type RequestReads } from '../audit/policy.ts';
import type { AuthorizationContext } from './authorization.ts';
import type { ClientAddress } from './client-address.ts';
import type { Identity } from './identity.ts';
import { verifyWorkerAuthorization, WORKER_AUTHORIZATION_HEADER, type WorkerAuthorizationOptions } from './worker-authorization.ts';

/** The header a caller declares its purpose in (Henan Social Credit Regulations art. 18, 22). */
export const PURPOSE_HEADER = 'x-credit-purpose';

export interface GatewayContext extends AuthorizationContext {
  caller: Caller;
  /** The client's address, X-Forwarded-For believed only from TRUSTED_PROXIES (client-address.ts). */
  clientAddress?: string;
  /** This exchange's id (x-request-id): in the response, the logs, the audit record and every subgraph call. */
  requestId?: string;
  /** For a write: what the subgraphs reported they changed (see change-feed.ts). */
  creditChanges?: CreditChange[];
  /** Whose guarded data the subgraphs reported reading or refusing (see audit/policy.ts). */
  reads?: RequestReads;
  /** For a bank: each live consent's id -> the enterprise that granted it (consent.ts). */
  consentGrantedBy?: Map<string, string>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `jwt`: the secret and issuer that worker authorizations are verified with (none: refused).
 * `clientAddress`: how the client's address is found (default: the direct peer's).
 */
export function createRequestContext(
  identity: Identity,
  jwt: Omit<WorkerAuthorizationOptions, 'now'> = {},
  clientAddress: ClientAddress = (req) => req.socket.remoteAddress,
) {
  return async function requestContext(req: IncomingMessage, _body?: Buffer, requestId?: string): Promise<GatewayContext> {
    let caller = await identity.identify({ authorization: header(req, 'authorization'), apiKey: header(req, 'x-api-key') });
    // A worker's authorization (any caller, anonymous included) opens that worker's record.
    const workerAuthorization = header(req, WORKER_AUTHORIZATION_HEADER)?.trim();
    if (workerAuthorization) {
      const workerId = await verifyWorkerAuthorization(workerAuthorization, { secret: jwt.secret, issuer: jwt.issuer });
      caller = { ...caller, workerGrants: [workerId] };
    }
    const declared = header(req, PURPOSE_HEADER);
    let purpose: Purpose | undefined;
    if (declared) {
      if (!PURPOSES.includes(declared as Purpose)) {
        throw creditGraphError('BAD_USER_INPUT', `${PURPOSE_HEADER} must be one of ${PURPOSES.join(', ')}, got "${declared}"`, {
          header: PURPOSE_HEADER,
        });
      }
      purpose = declared as Purpose;
      // A purpose is bound to the caller's role: a bank cannot declare SUPERVISION.
      if (!purposeAllowed(caller.role, purpose)) {
        const allowed = ROLE_PURPOSES[caller.role];
        throw creditGraphError(
          'FORBIDDEN',
          `A ${caller.role} caller cannot declare the purpose ${purpose}; ` +
            (allowed.length > 0 ? `its purposes are ${allowed.join(', ')}` : 'it declares no purpose'),
          { header: PURPOSE_HEADER, allowed: [...allowed] },
        );
      }
    } else if (caller.role === 'ENTERPRISE') {
      purpose = 'SELF_QUERY';
    }
    return {
      caller: purpose ? { ...caller, purpose } : caller,
      clientAddress: clientAddress(req),
      reads: createRequestReads(),
      requestId,
    };
  };
}
