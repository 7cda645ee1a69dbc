// A small typed client for Credit Graph over fetch: each operation is a TypedDocumentNode that
// graphql-codegen generated (src/generated/graphql.ts), so the variables a call takes and the
// data it returns are checked by TypeScript. What a bank's integration needs besides the data
// comes back with it: the audit record the answer is on (evidence for the loan file), the
// request id, and the rate limit left.
import { createHash } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import type { Purpose } from './generated/graphql.ts';

export interface ClientOptions {
  /** The gateway's GraphQL endpoint, e.g. https://credit.example.gov.cn/graphql. */
  url: string;
  /** A bearer token (JWT) ... */
  token?: string;
  /** ... or an API key (sent as x-api-key). */
  apiKey?: string;
  /** The declared purpose (x-credit-purpose), e.g. LOAN_APPROVAL; required to read non-public data. */
  purpose?: Purpose;
  /**
   * "hash-only": send only the operation's SHA-256 (Apollo's persisted-query protocol), for a
   * client whose operations were imported with `credit-graph safelist import`.
   */
  persisted?: 'hash-only';
  /** Milliseconds a request may take (default 30 s). */
  timeoutMs?: number;
}

/** Where the answer sits in the audit log: quote it in the loan file. */
export interface AuditReceipt {
  id: string;
  sequence: string;
}

export interface Answer<TData> {
  data: TData;
  /** Field errors of a partial answer (e.g. CONSENT_REQUIRED for one enterprise of a portfolio). */
  errors: GraphQLFormattedError[];
  /** The audit record of an audited answer. */
  auditRecord?: AuditReceipt;
  requestId: string | null;
  /** The RateLimit header (draft-ietf-httpapi-ratelimit-headers): requests left and seconds to full. */
  rateLimit: { remaining: number; resetSeconds: number } | null;
}

/** An answer without data: `code` is the gateway's extensions.code (docs/errors.md). */
export class CreditGraphError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly requestId: string | null,
    readonly errors: readonly GraphQLFormattedError[],
  ) {
    super(message);
    this.name = 'CreditGraphError';
  }
}

/** The remaining requests and seconds to a full bucket from a `RateLimit: "caller";r=..;t=..` field. */
export function parseRateLimit(header: string | null): Answer<unknown>['rateLimit'] {
  const match = header ? /;r=(\d+);t=(\d+)/.exec(header) : null;
  return match ? { remaining: Number(match[1]), resetSeconds: Number(match[2]) } : null;
}

export function createClient(options: ClientOptions) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  if (options.purpose) headers['x-credit-purpose'] = options.purpose;

  return {
    /** Runs one operation. Throws CreditGraphError when the answer has no data at all. */
    async request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<Answer<TData>> {
      const query = print(document);
      const body =
        options.persisted === 'hash-only'
          ? { variables, extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } } }
          : { query, variables };
      const response = await fetch(options.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const requestId = response.headers.get('x-request-id');
      const result = (await response.json()) as { data?: TData | null; errors?: GraphQLFormattedError[]; extensions?: { auditRecord?: AuditReceipt } };
      const errors = result.errors ?? [];
      if (result.data === undefined || result.data === null) {
        const first = errors[0];
        throw new CreditGraphError(first?.message ?? `HTTP ${response.status} without data`, String(first?.extensions?.code ?? 'UNKNOWN'), response.status, requestId, errors);
      }
      return {
        data: result.data,
        errors,
        auditRecord: result.extensions?.auditRecord,
        requestId,
        rateLimit: parseRateLimit(response.headers.get('ratelimit')),
      };
    },
  };
}

export type Client = ReturnType<typeof createClient>;
