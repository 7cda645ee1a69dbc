// The HTTP transport for Apollo Server used by the gateway and every subgraph: a plain
// node:http handler (no framework on the hot path) that turns transport mistakes (wrong
// method, content type, malformed or empty JSON, oversized body) into GraphQL-shaped JSON
// errors with a catalogued code, never a 500 or an HTML stack trace.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { exchangeErrors, noteUnseenErrors, withExchangeNotes, type Exchange, type ExchangeNotes } from './access-log.ts';
import { ERROR_CATALOGUE, errorBody, type ErrorCode } from './errors.ts';
import { REQUEST_ID_HEADER, requestIdFrom, withRequestId } from './request-id.ts';
import { stopTracing } from './tracing.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface GraphQLHandlerOptions<Context extends BaseContext> {
  server: ApolloServer<Context>;
  /**
   * The request's context; `body` is the exact bytes received (empty for GET), for signatures
   * over them; `requestId` is the id of this exchange (see request-id.ts).
   */
  context: (req: IncomingMessage, body: Buffer, requestId: string) => Promise<Context>;
  /** Path of the GraphQL endpoint. */
  path?: string;
  /** Other routes by exact path (health, readiness, metrics, playground...). */
  routes?: Record<string, RouteHandler>;
  /** Routes by path prefix, tried after exact routes (static assets). */
  prefixRoutes?: Record<string, RouteHandler>;
  maxBodyBytes?: number;
  /** Told of every exchange once its response went out: the access line and request metrics (access-log.ts). */
  onExchange?: (exchange: Exchange) => void;
  /** Where an unexpected failure's detail goes (the client gets a bare 500); default the console. */
  logger?: Pick<Console, 'error'>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const JSON_CONTENT_TYPES = ['application/json', 'application/graphql-response+json'];

class TransportError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: string | object): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendTransportError(res: ServerResponse, error: TransportError): void {
  sendJson(res, ERROR_CATALOGUE[error.code].status, errorBody(error.code, error.message));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new TransportError('PAYLOAD_TOO_LARGE', `Request body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new TransportError('PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function parseGraphQLBody(req: IncomingMessage, limit: number): Promise<{ raw: Buffer; body: unknown }> {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSON_CONTENT_TYPES.includes(contentType)) {
    throw new TransportError(
      'UNSUPPORTED_MEDIA_TYPE',
      `POST requests must have Content-Type: application/json, got ${contentType ? `"${contentType}"` : 'none'}`,
    );
  }
  const raw = await readBody(req, limit);
  const text = raw.toString('utf8');
  if (text.trim() === '') {
    throw new TransportError('BAD_REQUEST', 'Request body is empty: send a JSON object such as {"query": "{ __typename }"}');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new TransportError('BAD_REQUEST', `Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TransportError('BAD_REQUEST', 'Request body must be a JSON object with a "query" field (batched arrays are not accepted)');
  }
  const { query, extensions } = body as { query?: unknown; extensions?: { persistedQuery?: unknown } };
  if (typeof query !== 'string' && !extensions?.persistedQuery) {
    throw new TransportError('BAD_REQUEST', 'Request body has no "query" string: send {"query": "...", "variables": {...}}');
  }
  return { raw, body };
}

export function createGraphQLHandler<Context extends BaseContext>(options: GraphQLHandlerOptions<Context>) {
  const path = options.path ?? '/graphql';
  const routes = options.routes ?? {};
  const prefixRoutes = Object.entries(options.prefixRoutes ?? {});
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      throw new TransportError('BAD_REQUEST', `Method ${method} is not supported on ${path}: use POST (or GET for queries)`);
    }
    const { raw, body } = method === 'POST' ? await parseGraphQLBody(req, maxBodyBytes) : { raw: Buffer.alloc(0), body: undefined };
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await options.server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: url.search, body },
      context: () => options.context(req, raw, requestId),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      // Refused before any plugin ran (the context threw: no or a bad credential): codes from the body.
      if (res.statusCode >= 400) noteUnplannedErrors(response.body.string);
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  // Every exchange has a request id: in the response header, in error bodies, in the logs.
  return function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const notes: ExchangeNotes = { errors: [] };
    if (options.onExchange) {
      const report = options.onExchange;
      res.once('close', () =>
        report({
          ...notes,
          requestId,
          method: (req.method ?? 'GET').toUpperCase(),
          path: (req.url ?? '/').split('?')[0]!.slice(0, 200),
          status: res.statusCode,
          durationMs: performance.now() - started,
          completed: res.writableFinished,
        }),
      );
    }
    return withRequestId(requestId, () => withExchangeNotes(notes, () => route(req, res, requestId, notes)));
  };

  /** The codes of an error answer no plugin saw; an answer of ours, so small and well formed. */
  function noteUnplannedErrors(body: string): void {
    if (body.length > 64 * 1024) return;
    try {
      noteUnseenErrors(exchangeErrors((JSON.parse(body) as { errors?: { extensions?: Record<string, unknown> }[] }).errors));
    } catch {
      // not JSON: the status alone describes it
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string, notes: ExchangeNotes): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === path) return await handleGraphQL(req, res, url, requestId);
      const route = routes[url.pathname] ?? prefixRoutes.find(([prefix]) => url.pathname.startsWith(prefix))?.[1];
      if (route) return await route(req, res);
      throw new TransportError('NOT_FOUND', `No route ${url.pathname}; the GraphQL endpoint is ${path}`);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof TransportError) {
        notes.errors.push({ code: error.code });
        sendTransportError(res, error);
      } else {
        // Never a stack trace on the wire; the process log keeps the detail.
        (options.logger ?? console).error(`[http] request ${requestId} failed:`, error);
        notes.errors.push({ code: 'INTERNAL_SERVER_ERROR' });
        sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Internal server error'));
      }
    }
  }
}

export interface Listening {
  port: number;
  host: string;
  /**
   * Drains: stops accepting connections (new ones are refused), lets requests in flight
   * finish and closes each connection as its last answer goes out, then resolves; requests
   * still running after `drainMs` are cut.
   */
  close(): Promise<void>;
}

const DEFAULT_DRAIN_MS = 5_000;

/** Serves `handler` on host:port (port 0: any free port) for the gateway and every subgraph. */
export async function listen(
  handler: RouteHandler,
  options: { port?: number; host?: string; drainMs?: number; maxHeaderSize?: number } = {},
): Promise<Listening> {
  const host = options.host ?? '127.0.0.1';
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  const server = createServer({ maxHeaderSize: options.maxHeaderSize }, (req, res) => {
    inFlight.add(res);
    res.on('close', () => {
      inFlight.delete(res);
      // A keep-alive connection whose answer went out is idle now: close it rather than
      // wait for the client's next request or the keep-alive timeout.
      if (draining) server.closeIdleConnections();
    });
    void handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        draining = true;
        // Answers still to come tell keep-alive clients not to send more on this connection.
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        const cut = setTimeout(() => server.closeAllConnections(), options.drainMs ?? DEFAULT_DRAIN_MS);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** Stops a service once on SIGINT or SIGTERM (Ctrl-C, a process manager), then exits. */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    await stop(signal);
    // Spans still buffered go out before the process ends (nothing to do when tracing is off).
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
