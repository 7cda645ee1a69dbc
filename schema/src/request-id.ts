// Request ids: every HTTP exchange with the gateway or a subgraph has one. It is taken from the
// caller's `x-request-id` header when well-formed (so that a client, a reverse proxy and the
// gateway's own subgraph calls share one id), else generated; it goes back in the response
// header, in every error's `extensions.requestId`, and in the server's log lines.
//
// The id of the request being served is kept in an AsyncLocalStorage, so that code far from
// the HTTP layer (Apollo's formatError, a logger) reads it without threading it through.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Longest accepted id: a UUID, a W3C trace id or a proxy's id fit with room to spare. */
export const MAX_REQUEST_ID_LENGTH = 128;
/** What an accepted id may contain: nothing that could break a log line or a header. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

const scope = new AsyncLocalStorage<{ requestId: string }>();

/**
 * The id for a request, from the value of its `x-request-id` header (a string, a repeated
 * header's list, or nothing): the caller's own when 1 to 128 characters of letters, digits,
 * `.`, `_`, `:` or `-`; otherwise a new random UUID.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.length <= MAX_REQUEST_ID_LENGTH && REQUEST_ID_PATTERN.test(value)) return value;
  return randomUUID();
}

/** Runs `work` as the serving of request `requestId` (see currentRequestId). */
export function withRequestId<T>(requestId: string, work: () => T): T {
  return scope.run({ requestId }, work);
}

/** The id of the request being served, or undefined outside of one (start-up, timers). */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}
