// The one catalogue of error codes Credit Graph returns in `extensions.code`, with the HTTP
// status a request failing only with that error gets. docs/errors.md documents the same table;
// a test keeps the two in step.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, summary: 'The HTTP request is not a GraphQL request: bad method, content type, or JSON body.' },
  BAD_USER_INPUT: { status: 400, summary: 'An argument is invalid (a malformed USCC, too many codes, a bad cursor, ...).' },
  GRAPHQL_PARSE_FAILED: { status: 400, summary: 'The query text is not valid GraphQL syntax.' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, summary: 'The query asks for fields or types the schema does not have, or an alias shadows a field name.' },
  PAYLOAD_TOO_LARGE: { status: 413, summary: 'The request body is larger than the configured limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'A POST body must be sent as application/json.' },
  NOT_FOUND: { status: 404, summary: 'No such HTTP route.' },
  UNAUTHENTICATED: { status: 401, summary: 'Credentials are missing where required, or invalid: bad signature, expired, wrong issuer or audience, revoked key.' },
  FORBIDDEN: { status: 403, summary: "The caller's role or scopes do not allow this field or operation." },
  CONSENT_REQUIRED: { status: 403, summary: 'No live consent from the enterprise for this bank and purpose.' },
  PURPOSE_REQUIRED: { status: 400, summary: 'Reading non-public data needs a declared purpose.' },
  QUERY_TOO_COMPLEX: { status: 400, summary: 'The operation exceeds a limit: depth, aliases, root fields, fragment expansion or cost.' },
  RATE_LIMITED: { status: 429, summary: "The caller's request rate is over its limit; retry after the given seconds." },
  PERSISTED_QUERY_NOT_FOUND: { status: 200, summary: 'A hash-only request whose operation the gateway does not know; send the full text once.' },
  PERSISTED_QUERY_NOT_ALLOWED: { status: 403, summary: "The operation is not on this client's safelist." },
  IDEMPOTENCY_KEY_REUSED: { status: 409, summary: 'A write reused an idempotency key with different input.' },
  INVALID_TRANSITION: { status: 409, summary: 'The workflow step is not allowed in the current state (an objection decided twice, ...).' },
  NOT_ELIGIBLE: { status: 409, summary: 'A credit repair was applied for before the conditions hold (minimum publication period, ...).' },
  AUDIT_UNAVAILABLE: { status: 503, summary: 'The audit record could not be written, so the answer is withheld.' },
  SUBGRAPH_UNAVAILABLE: { status: 200, summary: 'A subgraph did not answer; the fields it owns are null, the rest answers.' },
  INTERNAL_SERVER_ERROR: { status: 500, summary: 'An unexpected failure; the message never includes internals.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** A GraphQL error carrying a catalogued code (and HTTP status, when it fails the whole request). */
export function creditGraphError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { ...extensions, code, http: { status: ERROR_CATALOGUE[code].status } },
  });
}

/** The JSON body of a request refused before GraphQL execution. */
export function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}

/**
 * Apollo Server's formatError hook for the gateway and every subgraph. graphql-js reports a
 * custom scalar's parse failure as a validation or variable error; the scalar's own
 * BAD_USER_INPUT code (and its detail) is what a caller can act on, so it is kept.
 */
export function formatError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = formatted.extensions;
  if (extensions?.argumentType && extensions.code !== 'BAD_USER_INPUT') {
    return { ...formatted, extensions: { ...extensions, code: 'BAD_USER_INPUT' } };
  }
  return formatted;
}
