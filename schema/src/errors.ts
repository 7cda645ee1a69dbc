// The one catalogue of error codes Credit Graph returns in `extensions.code`, with the HTTP
// status a request failing only with that error gets. docs/errors.md documents the same table;
// a test keeps the two in step. Also here, applied the same way by the gateway and every
// subgraph: what may reach a caller (createErrorFormatter: catalogued errors raised on
// purpose, anything else INTERNAL_SERVER_ERROR with the request id) and the one status rule
// (responseStatus, applied by errorResponsePlugin).
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { currentRequestId } from './request-id.ts';
import { exchangeErrors, noteExchange } from './access-log.ts';
import { throttledWarning } from './logger.ts';

export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, summary: 'The HTTP request is not a GraphQL request (bad method, content type, or JSON body), or names no operation it can run.' },
  BAD_USER_INPUT: { status: 400, summary: 'An argument is invalid (a malformed USCC, too many codes, a bad cursor, a value outside its bounds, ...).' },
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
  OVERLOADED: { status: 503, summary: 'The gateway holds as much work as it may at once (large operations such as portfolios) and this one waited too long; retry after the given seconds.' },
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

/**
 * Codes Apollo Server and @apollo/gateway give client mistakes, by the catalogued code they
 * are reported under: several operations and no operationName, an unknown operationName, an
 * operation type the schema lacks such as a subscription (graphql-js "operation resolution";
 * the gateway's INVALID_GRAPHQL), a persisted query where they are not supported.
 */
const CLIENT_MISTAKE_CODES: Record<string, ErrorCode> = {
  OPERATION_RESOLUTION_FAILURE: 'BAD_REQUEST',
  INVALID_GRAPHQL: 'BAD_REQUEST',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_REQUEST',
};
/** Extensions that may carry internals (a stack, a subgraph's URL or raw body): never sent. */
const INTERNAL_EXTENSIONS = ['stacktrace', 'exception', 'response', 'http'];
const INTERNAL_MESSAGE = 'Internal server error';

export function isCatalogued(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code);
}

/**
 * The HTTP status of a GraphQL response, the one rule for the gateway and every subgraph: 200
 * when something was answered (field errors beside answered fields); when nothing was (no
 * data, or every root field null) and there are errors, the catalogued status of the first
 * error's code: a request failing only with IDEMPOTENCY_KEY_REUSED gets 409 wherever it was
 * raised; 500 for an error without a catalogued code.
 */
export function responseStatus(
  result: { data?: unknown; errors?: readonly { extensions?: Record<string, unknown> }[] },
): number {
  const code = result.errors?.[0]?.extensions?.code;
  if (code === undefined || answeredSomething(result.data)) return 200;
  return isCatalogued(code) ? ERROR_CATALOGUE[code].status : 500;
}

function answeredSomething(data: unknown): boolean {
  if (data === undefined || data === null) return false;
  return Object.values(data as Record<string, unknown>).some((value) => value !== null);
}

/** The JSON body of a request refused before GraphQL execution, with the request id when serving one. */
export function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ errors: [formattedError(code, message)] });
}

/**
 * Whether an error was raised on purpose: a GraphQLError all the way down (a catalogued
 * error thrown by our code, graphql-js or Apollo Server about the request), not an Error
 * thrown by a library or a bug (Prisma, a TypeError) that graphql-js wrapped.
 */
function raisedOnPurpose(error: unknown): boolean {
  let current: unknown = error;
  while (current instanceof GraphQLError) {
    if (!current.originalError) return true;
    current = current.originalError;
  }
  // @apollo/gateway keeps a remote subgraph's error as the plain JSON object it received.
  return !(current instanceof Error);
}

/** Where formatError reports what it withheld from a caller. */
export type ErrorLogger = Pick<Console, 'error'>;

/** Why a subgraph's fields are null: it (or its database) did not answer, not in time, or the gateway's circuit for it is open. */
export type UnavailableReason = 'unreachable' | 'timeout' | 'circuit open';

/**
 * The SUBGRAPH_UNAVAILABLE error of one subgraph, naming the service, never its URL or address:
 * raised by the gateway for a call that failed, and by a subgraph whose own database does not
 * answer, so that a caller sees the same transient error either way (and in both shapes).
 */
export function subgraphUnavailable(
  serviceName: string,
  reason: UnavailableReason,
  detail: { timeoutMs?: number; retryAfterSeconds?: number } = {},
): GraphQLError {
  const what =
    reason === 'timeout'
      ? `did not answer within ${detail.timeoutMs} ms`
      : reason === 'circuit open'
        ? 'is failing, so the gateway stopped calling it for a moment (circuit open)'
        : 'did not answer';
  const retryHint = detail.retryAfterSeconds === undefined ? 'Retry later.' : `Retry in ${detail.retryAfterSeconds} s.`;
  return creditGraphError('SUBGRAPH_UNAVAILABLE', `The ${serviceName} service ${what}; the fields it owns are null. ${retryHint}`, {
    serviceName,
    reason,
    ...(detail.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: detail.retryAfterSeconds }),
  });
}

/**
 * Prisma's driver adapter error kinds (@prisma/driver-adapter-utils) for a database that cannot
 * be reached or dropped the connection.
 */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TlsConnectionError', 'TooManyConnections']);
/**
 * Codes of the same: socket errors (node:net), Prisma's P1001 (cannot reach), P1002 (timed out),
 * P1008 (operation timed out), P1017 (server closed the connection), P2024 (pool timeout), and
 * PostgreSQL SQLSTATEs (Appendix A): class 08 (connection exception), 53300 (too many
 * connections), 57014 (statement timeout), 57P01-57P03 (shutting down, cannot connect now).
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'P1001', 'P1002', 'P1008', 'P1017', 'P2024',
  '08000', '08001', '08003', '08004', '08006', '53300', '57014', '57P01', '57P02', '57P03',
]);
/** node-postgres and pg-pool messages of a lost or never made connection (they carry no code). */
const UNREACHABLE_MESSAGE = /^(Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * Whether `error` (or what it wraps: `cause`, `originalError`, a few levels deep) says the
 * database did not answer: unreachable, connection lost, or a statement past its timeout.
 * A constraint violation, a bad query or a bug is not that.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    const { kind, code, message } = current as { kind?: unknown; code?: unknown; message?: unknown };
    if (typeof kind === 'string' && UNREACHABLE_KINDS.has(kind)) return true;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGE.test(message)) return true;
    const next = current as { cause?: unknown; originalError?: unknown };
    current = next.cause ?? next.originalError;
  }
  return false;
}

/**
 * Whether an error in subgraph `subgraph`'s answer says that its own database does not answer
 * (the SUBGRAPH_UNAVAILABLE the subgraph raises about itself, createErrorFormatter below): the
 * gateway then treats the call as failed, as for a stopped service. A SUBGRAPH_UNAVAILABLE the
 * subgraph raises about another (the registry's evaluation without a sector) is not that.
 */
export function isSubgraphDatabaseDown(error: { extensions?: Record<string, unknown> | undefined }, subgraph: string): boolean {
  const extensions = error.extensions;
  return extensions?.code === 'SUBGRAPH_UNAVAILABLE' && extensions.serviceName === subgraph && extensions.reason === 'unreachable';
}

export interface ErrorFormatterOptions {
  /**
   * A subgraph's name: an error because its database does not answer then reaches the caller as
   * SUBGRAPH_UNAVAILABLE naming it (reason `unreachable`), as a stopped service does at the
   * gateway, and is logged in one line at most once a minute (with how many since), not with a
   * stack per request. The gateway's own database failures are its own concern (AUDIT_UNAVAILABLE, ...).
   */
  subgraph?: string;
  /** The interval of that one line, in ms (DEFAULT_WARNING_INTERVAL_MS). */
  warningIntervalMs?: number;
}

/**
 * Apollo Server's formatError hook for the gateway and every subgraph (`formatError` is the
 * one with the console as logger). An error passes to the caller only when it was raised on
 * purpose with a catalogued code; anything else (a database failure, a bug, an uncatalogued
 * code passed on by @apollo/gateway such as DOWNSTREAM_SERVICE_ERROR) becomes
 * INTERNAL_SERVER_ERROR with the message "Internal server error", and is logged in full with
 * the request id. Every error carries `extensions.requestId`. graphql-js reports a custom
 * scalar's parse failure as a validation or variable error; the scalar's own BAD_USER_INPUT
 * code (and its detail) is what a caller can act on, so it is kept.
 */
export function createErrorFormatter(logger: ErrorLogger = console, options: ErrorFormatterOptions = {}) {
  const { subgraph } = options;
  const databaseWarning = subgraph ? throttledWarning((message) => logger.error(message), options.warningIntervalMs) : undefined;
  return function formatError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
    const requestId = currentRequestId();
    const withId = requestId ? { requestId } : {};
    if (subgraph && databaseWarning && isDatabaseUnavailable(error)) {
      databaseWarning(`[error] the ${subgraph} database does not answer; its reads and writes are answered SUBGRAPH_UNAVAILABLE (request ${requestId ?? '-'})`);
      const { message, extensions: { http: _status, ...extensions } } = subgraphUnavailable(subgraph, 'unreachable');
      return {
        message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { ...extensions, ...withId },
      };
    }
    const extensions = { ...formatted.extensions };
    for (const name of INTERNAL_EXTENSIONS) delete extensions[name];
    if (extensions.argumentType && extensions.code !== 'BAD_USER_INPUT') extensions.code = 'BAD_USER_INPUT';
    const mistake = CLIENT_MISTAKE_CODES[String(extensions.code)];
    if (mistake) extensions.code = mistake;
    // graphql-js parses recursively: a document nested a few thousand levels deep, within the
    // token cap, overflows the stack while parsing. The caller's mistake, refused as one.
    if (extensions.code === 'GRAPHQL_PARSE_FAILED' && unwrap(error) instanceof RangeError) {
      return { message: 'The operation is nested too deeply to parse', extensions: { code: 'QUERY_TOO_COMPLEX', ...withId } };
    }
    // INTERNAL_SERVER_ERROR is also what Apollo Server calls an error without a code: it passes
    // only when our own code named it (a gateway concern failing closed), never as a subgraph
    // (perhaps not ours) worded it.
    const named =
      extensions.code !== 'INTERNAL_SERVER_ERROR' || (ownCode(error) === 'INTERNAL_SERVER_ERROR' && extensions.serviceName === undefined);
    if (isCatalogued(extensions.code) && named && raisedOnPurpose(error ?? formatted)) {
      return { ...formatted, extensions: { ...extensions, ...withId } };
    }
    const cause = unwrap(error);
    logger.error(
      `[error] request ${requestId ?? '-'}: withheld from the caller (${String(formatted.extensions?.code ?? 'no code')}${extensions.serviceName ? ` from ${String(extensions.serviceName)}` : ''}):`,
      cause instanceof Error ? (cause.stack ?? cause.message) : formatted.message,
    );
    return {
      message: INTERNAL_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', ...withId },
    };
  };
}

/** The code the error itself carries (before Apollo Server defaults a missing one). */
function ownCode(error: unknown): unknown {
  return (error as { extensions?: Record<string, unknown> } | undefined)?.extensions?.code;
}

/** The innermost cause graphql-js and @apollo/gateway wrapped. */
function unwrap(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

export const formatError = createErrorFormatter();

/**
 * Apollo Server plugin that finishes every answered request, in the gateway and every
 * subgraph; register it LAST, so that it sees the errors other plugins add in their own
 * willSendResponse (the authorization filter's). It puts the request id on every error and
 * applies responseStatus: the status follows the catalogue whichever hook, resolver or
 * subgraph raised the error, and a field error beside answered fields does not fail the response.
 */
export const errorResponsePlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, operation, contextValue }) {
        if (response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        // For the access line and request metrics (access-log.ts): never the subject or a credential.
        const caller = (contextValue as { caller?: { role?: string; institution?: string } } | undefined)?.caller;
        noteExchange({
          operationName: operation ? (operation.name?.value ?? null) : undefined,
          role: caller?.role,
          institution: caller?.institution,
          errors: exchangeErrors(result.errors),
        });
        const requestId = currentRequestId();
        if (result.errors && requestId) {
          result.errors = result.errors.map((error) =>
            error.extensions?.requestId ? error : { ...error, extensions: { ...error.extensions, requestId } },
          );
        }
        response.http.status = responseStatus(result);
        // A refusal that says when to come back (a rate limit, an open circuit) says it in the
        // header too (RFC 9110 §10.2.3), unless a plugin already set it.
        const status = response.http.status ?? 200;
        if ((status === 429 || status === 503) && !response.http.headers.has('retry-after')) {
          const seconds = retryAfterOf(result.errors);
          if (seconds !== undefined) response.http.headers.set('retry-after', String(seconds));
        }
      },
    };
  },
};

/** The longest whole `extensions.retryAfterSeconds` (1 to a day) among `errors`, or undefined. */
function retryAfterOf(errors: readonly GraphQLFormattedError[] | undefined): number | undefined {
  const seconds = (errors ?? [])
    .map((error) => error.extensions?.retryAfterSeconds)
    .filter((value): value is number => Number.isInteger(value) && (value as number) > 0 && (value as number) <= 86_400);
  return seconds.length > 0 ? Math.max(...seconds) : undefined;
}

/** A formatted error with a catalogued code, for code that writes a response body itself. */
export function formattedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLFormattedError {
  const requestId = currentRequestId();
  return { message, extensions: { ...extensions, code, ...(requestId ? { requestId } : {}) } };
}
