// The public API schema as a file: `GET /schema.graphql` answers the SDL integrators generate
// typed clients from (graphql-codegen, Apollo's rover, any IDE plugin). It is the API schema
// the gateway itself serves, printed from the supergraph it loaded: no federation internals
// (no join__ or link__ types, nothing @inaccessible, no _entities or _service), with every
// description and @deprecated reason.
//
// Who may download it follows introspection (trust/introspection.ts): the SDL is the same
// knowledge as `__schema`, so in production (NODE_ENV=production) only callers with the
// schema:introspect scope get it, as Apollo Router and Cosmo Router keep the schema behind the
// same switch as introspection; elsewhere anyone may. The answer has a strong ETag (SHA-256 of
// the text) and `Cache-Control: no-cache`: a client revalidates and gets 304 while unchanged.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { ERROR_CATALOGUE, errorBody, isCatalogued, sendJson, type Caller, type RouteHandler } from '@credit-graph/contract';
import { INTROSPECTION_SCOPE } from '../trust/introspection.ts';

export const SCHEMA_PATH = '/schema.graphql';
const CONTENT_TYPE = 'text/plain; charset=utf-8';

/**
 * The API schema's SDL as served: printed by graphql-js in a stable order (types and fields
 * sorted), so that a recomposition that only moves definitions changes neither the text nor
 * its ETag. In: the gateway's API schema. Out: SDL text ending with a newline.
 */
export function apiSchemaSdl(apiSchema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(apiSchema))}\n`;
}

export interface SchemaDownloadOptions {
  /**
   * The caller of a request (identity and purpose, as for /graphql), or undefined when the
   * download is open to everyone (development). A rejected credential is answered with its code.
   */
  identify?: (req: IncomingMessage) => Promise<Caller>;
}

/**
 * `update(apiSchema)` on every schema load; `route` serves GET and HEAD of SCHEMA_PATH. Errors:
 * 503 INTERNAL_SERVER_ERROR before the first load; 401 for a bad credential and 403 FORBIDDEN
 * without schema:introspect when `identify` is set; 400 BAD_REQUEST for another method.
 */
export function createSchemaDownload(options: SchemaDownloadOptions = {}) {
  let current: { sdl: string; etag: string } | undefined;

  function refuse(res: ServerResponse, error: unknown): void {
    const code = error instanceof GraphQLError ? error.extensions.code : undefined;
    if (isCatalogued(code)) sendJson(res, ERROR_CATALOGUE[code].status, errorBody(code, (error as Error).message));
    else throw error;
  }

  const route: RouteHandler = async (req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 400, errorBody('BAD_REQUEST', `Method ${method} is not supported on ${SCHEMA_PATH}: use GET`));
      return;
    }
    if (options.identify) {
      res.setHeader('vary', 'authorization, x-api-key');
      let caller: Caller;
      try {
        caller = await options.identify(req);
      } catch (error) {
        refuse(res, error);
        return;
      }
      if (!caller.scopes.includes(INTROSPECTION_SCOPE)) {
        sendJson(res, 403, errorBody('FORBIDDEN', `The schema is available to developers and regulators only (scope ${INTROSPECTION_SCOPE}), as introspection is`));
        return;
      }
    }
    if (!current) {
      sendJson(res, 503, errorBody('INTERNAL_SERVER_ERROR', 'The schema is not loaded yet; try again'));
      return;
    }
    const headers = {
      etag: current.etag,
      // A shared cache must not hand a restricted schema to someone else.
      'cache-control': options.identify ? 'private, no-cache' : 'no-cache',
    };
    if (ifNoneMatch(req.headers['if-none-match'], current.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(current.sdl) });
    res.end(method === 'HEAD' ? undefined : current.sdl);
  };

  return {
    update(apiSchema: GraphQLSchema): void {
      const sdl = apiSchemaSdl(apiSchema);
      current = { sdl, etag: `"${createHash('sha256').update(sdl).digest('base64url')}"` };
    },
    routes: { [SCHEMA_PATH]: route },
  };
}

/** RFC 9110 section 13.1.2: `*` or a list of entity tags, weak ones compared weakly. */
function ifNoneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  // Bounded: a header is at most a few KiB (node's maxHeaderSize), split once.
  return value.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
