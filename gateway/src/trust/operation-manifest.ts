// Persisted-operation manifests, as client build tools write them, read for the safelist
// (safelist.ts; `credit-graph safelist import <file> --client <subject>`). Two formats:
//   Apollo: `persisted-query-manifest.json`, written by @apollo/generate-persisted-query-manifest
//     (and our examples/): {"format": "apollo-persisted-query-manifest", "version": 1,
//     "operations": [{"id", "name", "type", "body"}]}
//   Hive / graphql-codegen client-preset `persistedDocuments`: a JSON object, hash -> document.
// The safelist knows an operation by the SHA-256 of its exact text (what Apollo's persisted-query
// protocol sends), so every id or key must be the SHA-256 hex of its body: a manifest hashed
// otherwise (sha1, a custom id) is refused, not silently re-keyed, since its client would send
// hashes the gateway would never find.
//
// The input is hostile: its size is bounded before it is parsed, every operation is checked
// (shape, hash, GraphQL syntax, operation type) in one linear pass, and the first problem is
// reported as BAD_USER_INPUT naming the operation; nothing is imported from a refused manifest.
import { Kind, parse, type OperationTypeNode } from 'graphql';
import { creditGraphError } from '@credit-graph/contract';
import { operationHash } from './safelist.ts';

/** Largest manifest read, in bytes (a few thousand operations). */
export const MAX_MANIFEST_BYTES = 5 * 1024 * 1024;
/** Most operations in one manifest. */
export const MAX_MANIFEST_OPERATIONS = 5_000;
/** Longest operation text, in characters: the gateway's default request body limit. */
export const MAX_OPERATION_CHARS = 1024 * 1024;
export const APOLLO_MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

export interface ManifestOperation {
  /** The SHA-256 hex of `body`. */
  id: string;
  name?: string;
  type: OperationTypeNode;
  body: string;
}

export interface OperationManifest {
  format: 'apollo' | 'hive';
  operations: ManifestOperation[];
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** An operation's name: a GraphQL Name (spec section 2.1.9), at most 200 characters. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,199}$/;

/** `value` quoted for a message an operator's terminal shows: JSON escapes every control character. */
function quoted(value: unknown, length = 80): string {
  return JSON.stringify(String(value).slice(0, length));
}

function refuse(message: string): never {
  throw creditGraphError('BAD_USER_INPUT', `Not a usable operation manifest: ${message}`, { argumentName: 'file' });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One operation checked: its hash matches, it parses, it is one operation of the type said. */
function checked(where: string, id: unknown, body: unknown, name: unknown, type: unknown): ManifestOperation {
  if (typeof body !== 'string' || body.trim() === '') refuse(`${where} has no body (the operation text)`);
  if (body.length > MAX_OPERATION_CHARS) refuse(`${where} is ${body.length} characters long; at most ${MAX_OPERATION_CHARS}`);
  if (typeof id !== 'string' || !SHA256_HEX.test(id)) refuse(`${where}: the id must be the operation's SHA-256 as 64 lowercase hex digits, got ${JSON.stringify(String(id).slice(0, 80))}`);
  const actual = operationHash(body);
  if (actual !== id) refuse(`${where}: the id ${id} is not the SHA-256 of its body (that is ${actual}); regenerate the manifest with SHA-256 hashes`);
  if (name !== undefined && (typeof name !== 'string' || !OPERATION_NAME.test(name))) {
    refuse(`${where}: name must be a GraphQL operation name (letters, digits, _; at most 200 characters), got ${quoted(name)}`);
  }
  let document;
  try {
    document = parse(body, { maxTokens: 50_000 });
  } catch (error) {
    // graphql-js parses recursively: a body nested thousands deep exhausts the stack.
    if (error instanceof RangeError) refuse(`${where} nests too deeply to parse`);
    refuse(`${where} is not valid GraphQL: ${(error as Error).message}`);
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) refuse(`${where} must hold exactly one operation, it holds ${operations.length}`);
  const operation = operations[0]!;
  if (type !== undefined && type !== operation.operation) refuse(`${where} says type ${quoted(type, 40)} but its body is a ${operation.operation}`);
  const label = typeof name === 'string' ? name : operation.name?.value;
  return { id, type: operation.operation, body, ...(label ? { name: label } : {}) };
}

/**
 * Reads a manifest. In: the file's text (UTF-8). Out: its format and operations, in file order.
 * Errors: BAD_USER_INPUT, naming the problem and the operation, for text over
 * MAX_MANIFEST_BYTES, JSON that does not parse, an unknown format or version, more than
 * MAX_MANIFEST_OPERATIONS operations, a duplicate id, or an operation whose id is not the
 * SHA-256 of its body, that does not parse, or holds other than one operation.
 */
export function parseOperationManifest(text: string): OperationManifest {
  if (typeof text !== 'string') refuse('expected JSON text');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) refuse(`it is ${bytes} bytes; at most ${MAX_MANIFEST_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    refuse(`it is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(json)) refuse('expected a JSON object (an Apollo persisted-query manifest, or a Hive map of hash to document)');

  const seen = new Set<string>();
  const unique = (operation: ManifestOperation, where: string) => {
    if (seen.has(operation.id)) refuse(`${where} repeats the id ${operation.id}`);
    seen.add(operation.id);
    return operation;
  };
  const bounded = (count: number) => {
    if (count > MAX_MANIFEST_OPERATIONS) refuse(`it holds ${count} operations; at most ${MAX_MANIFEST_OPERATIONS}`);
    if (count === 0) refuse('it holds no operations');
  };

  if ('format' in json) {
    if (json.format !== APOLLO_MANIFEST_FORMAT) refuse(`unknown format ${JSON.stringify(String(json.format).slice(0, 80))}; expected "${APOLLO_MANIFEST_FORMAT}"`);
    if (json.version !== 1) refuse(`unsupported ${APOLLO_MANIFEST_FORMAT} version ${JSON.stringify(json.version)}; expected 1`);
    if (!Array.isArray(json.operations)) refuse('"operations" must be a list');
    bounded(json.operations.length);
    const operations = json.operations.map((entry: unknown, index: number) => {
      const where = `operation ${index + 1}`;
      if (!isObject(entry)) refuse(`${where} is not an object with id, name, type and body`);
      // The name is shown as it is only when it is a name (checked() refuses any other).
      const label = typeof entry.name === 'string' && OPERATION_NAME.test(entry.name) ? ` (${entry.name})` : '';
      return unique(checked(`${where}${label}`, entry.id, entry.body, entry.name, entry.type), where);
    });
    return { format: 'apollo', operations };
  }

  const entries = Object.entries(json);
  bounded(entries.length);
  return {
    format: 'hive',
    operations: entries.map(([key, body]) => unique(checked(`operation ${quoted(key)}`, key, body, undefined, undefined), `operation ${quoted(key)}`)),
  };
}
