// Structured logs: every service (the gateway and each subgraph) writes one JSON object per line
// to stdout with pino, the level from LOG_LEVEL (default `info`). Each line carries the service's
// name and, inside a request, the request id (request-id.ts), so that the lines of one exchange
// across the gateway and its subgraph calls are found by one id.
//
// What must never reach a log line (tokens, API keys, signatures, personal data) is kept out at
// the source: the access line (access-log.ts) names only the caller's role and institution.
// pino's redact is the second guard, for an object logged carelessly: the keys below are
// censored at the top level and inside the usual containers (req, headers, body, variables...).
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { currentRequestId } from './request-id.ts';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** What replaces a redacted value. */
export const REDACTED = '<redacted>';

/**
 * Keys whose values are censored: credentials (the Authorization header, cookies, tokens,
 * secrets), GraphQL operations and variables (variables carry names, ID numbers and phone
 * numbers of persons) and the personal-data field names of the schema.
 */
const SENSITIVE_KEYS = ['authorization', 'cookie', 'token', 'apiKey', 'secret', 'password', 'variables', 'query', 'legalRepresentative', 'idNumber', 'phone'];
/** Headers with a dash (bracket notation in pino paths): API keys, the signed caller, worker authorizations. */
const SENSITIVE_HEADERS = ['x-api-key', 'x-credit-graph-caller', 'x-worker-authorization', 'set-cookie'];

/** Where a logged object carries requests, headers and GraphQL bodies. */
const CONTAINERS = ['req', 'req.headers', 'headers', 'body', 'request', 'request.http.headers', 'context', 'caller', 'variables', 'input'];

/**
 * pino redact paths: each sensitive key at the top and inside each container, each sensitive
 * header in `headers` and `req.headers`. Static paths only: pino's `*` wildcards cost about five
 * times as much per line (measured, docs/operations.md).
 */
export const REDACT_PATHS: string[] = [
  ...SENSITIVE_KEYS.flatMap((key) => [key, ...CONTAINERS.map((container) => `${container}.${key}`)]),
  ...SENSITIVE_HEADERS.flatMap((header) => ['headers', 'req.headers', 'request.http.headers'].map((container) => `${container}["${header}"]`)),
];

/**
 * Where a process that cannot start says why: stderr, written synchronously (it exits next), so
 * that a failed start reads as a failure wherever stdout and stderr are told apart.
 */
export function startFailureLogger(service: string): Logger {
  return createLogger(service, { level: 'fatal', destination: pino.destination({ dest: 2, sync: true }) });
}

export class LogLevelError extends Error {
  readonly code = 'INVALID_CONFIG';
}

/** The level named by LOG_LEVEL: one of LOG_LEVELS, default `info`; anything else throws LogLevelError. */
export function logLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = env.LOG_LEVEL;
  if (raw === undefined || raw === '') return DEFAULT_LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) throw new LogLevelError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return raw as LogLevel;
}

export interface CreateLoggerOptions {
  /** Default: LOG_LEVEL (logLevel()). */
  level?: LogLevel;
  /** Where lines go; default stdout, written asynchronously (stdoutDestination). Tests pass a stream that keeps them. */
  destination?: DestinationStream;
}

/**
 * A service's logger: JSON lines with `service`, `requestId` (inside a request), ISO time, the
 * REDACT_PATHS censored. Console-style calls (`logger.error('text:', detail)`) keep their
 * detail: extra arguments without a format placeholder are appended to the message, so the
 * modules that take a `Pick<Console, 'warn' | 'error'>` can be handed this logger.
 * Throws LogLevelError when LOG_LEVEL is not a pino level.
 */
export function createLogger(service: string, options: CreateLoggerOptions = {}): Logger {
  const settings: LoggerOptions = {
    level: options.level ?? logLevel(),
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    mixin() {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
    hooks: {
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        if (typeof first === 'string' && rest.length > 0 && !first.includes('%')) {
          const detail = rest.map((part) => (part instanceof Error ? (part.stack ?? part.message) : typeof part === 'string' ? part : JSON.stringify(part)));
          return method.apply(this, [[first, ...detail].join(' ')] as never);
        }
        return method.apply(this, args);
      },
    },
  };
  return pino(settings, options.destination ?? stdoutDestination());
}

let stdout: DestinationStream | undefined;

/**
 * The process's one stdout stream (pino's SonicBoom, asynchronous as pino's default), shared by
 * every logger of the process. pino's default gives each logger its own stream on fd 1; in the
 * in-process `npm start` the gateway and six subgraphs each buffered and wrote their own, and
 * their writes interleaved mid-line (about 1 line in 500 torn under a slow reader). One stream
 * writes whole lines in order. pino flushes what is pending on process exit (process.exit
 * included); fatal start errors go through startFailureLogger, synchronous, on stderr.
 */
function stdoutDestination(): DestinationStream {
  return (stdout ??= pino.destination({ dest: 1, sync: false }));
}

/** At most one warning per this interval about one failing dependency (Redis, a database). */
export const DEFAULT_WARNING_INTERVAL_MS = 60_000;

/**
 * A logger that says something at most once per `intervalMs`, with the number of times it
 * kept quiet since: a dead Redis under 1,000 requests a second is one line a minute. In: the
 * logging function, the interval in ms, a clock in ms. Throws RangeError on a negative interval.
 */
export function throttledWarning(
  warn: (message: string) => void,
  intervalMs = DEFAULT_WARNING_INTERVAL_MS,
  now: () => number = Date.now,
): (message: string) => void {
  if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new RangeError(`A warning interval must be 0 ms or more, got ${intervalMs}`);
  let last = -Infinity;
  let quiet = 0;
  return (message) => {
    const at = now();
    if (at - last < intervalMs) {
      quiet++;
      return;
    }
    warn(quiet > 0 ? `${message} (and ${quiet} more since the last warning)` : message);
    last = at;
    quiet = 0;
  };
}
