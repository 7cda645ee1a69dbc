// What one HTTP exchange with a service was, once it is over: the one access line per request
// (gateway and subgraphs alike) and the request metrics are both made from it.
//
// The HTTP layer (http.ts) knows the method, path, status and duration; Apollo Server knows the
// operation, the caller and the errors. errorResponsePlugin (errors.ts), which finishes every
// answered request, notes those into the exchange being served (kept in an AsyncLocalStorage,
// like the request id), and the HTTP layer reports the whole when the response has gone out.
//
// Nothing secret or personal is noted: the caller's role and institution (an institution's USCC
// is public registration data), never its subject, token, key or the operation's variables.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

/** One error of an answer: its catalogued code, and for QUERY_TOO_COMPLEX the limit exceeded. */
export interface ExchangeError {
  code: string;
  measure?: string;
}

/** What the GraphQL layer learnt about an exchange. */
export interface ExchangeNotes {
  /** The operation's name; null when anonymous, undefined when none was resolved (bad document, refused before). */
  operationName?: string | null;
  role?: string;
  institution?: string;
  errors: ExchangeError[];
}

/** An exchange, once its response has gone out (or the client went away). */
export interface Exchange extends ExchangeNotes {
  requestId: string;
  method: string;
  /** The URL path without the query string. */
  path: string;
  /** HTTP status sent. */
  status: number;
  /** From the request's arrival to the last byte written, in milliseconds. */
  durationMs: number;
  /** False when the connection closed before the response was complete. */
  completed: boolean;
}

const scope = new AsyncLocalStorage<ExchangeNotes>();

/** Runs `work` as the serving of an exchange whose notes are `notes` (see noteExchange). */
export function withExchangeNotes<T>(notes: ExchangeNotes, work: () => T): T {
  return scope.run(notes, work);
}

/** Adds to the notes of the exchange being served; does nothing outside of one. */
export function noteExchange(notes: Partial<ExchangeNotes>): void {
  const current = scope.getStore();
  if (!current) return;
  const { errors, ...rest } = notes;
  Object.assign(current, rest);
  if (errors) current.errors.push(...errors);
}

/** Notes `errors` for the exchange being served unless errors were noted already (by the plugin). */
export function noteUnseenErrors(errors: ExchangeError[]): void {
  const current = scope.getStore();
  if (current && current.errors.length === 0) current.errors.push(...errors);
}

/**
 * The errors of a GraphQL answer as exchange errors: each error's `extensions.code` (a string,
 * else `INTERNAL_SERVER_ERROR`) and `extensions.measure` when it is a string.
 */
export function exchangeErrors(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): ExchangeError[] {
  return (errors ?? []).map(({ extensions }) => {
    const code = typeof extensions?.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR';
    return typeof extensions?.measure === 'string' ? { code, measure: extensions.measure } : { code };
  });
}

/** `ok` for an answer without errors below HTTP 400, else `error`. */
export function exchangeOutcome(exchange: Pick<Exchange, 'errors' | 'status'>): 'ok' | 'error' {
  return exchange.errors.length === 0 && exchange.status < 400 ? 'ok' : 'error';
}

/**
 * The access line writer: one `info` line per exchange on `graphqlPath` (probes, metrics and
 * static files at `debug`, so that a probe every few seconds does not drown the log), with
 * requestId, method, path, status, durationMs (integer ms), operationName, role, institution,
 * outcome (`ok` / `error` / `aborted`) and errors (the distinct codes, in order).
 */
export function accessLogger(logger: Logger, graphqlPath: string): (exchange: Exchange) => void {
  return (exchange) => {
    const codes = [...new Set(exchange.errors.map((error) => error.code))];
    const line = {
      requestId: exchange.requestId,
      method: exchange.method,
      path: exchange.path,
      status: exchange.status,
      durationMs: Math.round(exchange.durationMs),
      ...(exchange.operationName !== undefined ? { operationName: exchange.operationName } : {}),
      ...(exchange.role ? { role: exchange.role } : {}),
      ...(exchange.institution ? { institution: exchange.institution } : {}),
      outcome: exchange.completed ? exchangeOutcome(exchange) : 'aborted',
      ...(codes.length > 0 ? { errors: codes } : {}),
    };
    if (exchange.path === graphqlPath) logger.info(line, 'request');
    else logger.debug(line, 'request');
  };
}
