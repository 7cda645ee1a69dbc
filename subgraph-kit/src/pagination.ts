// Cursor pagination (Relay connection shape) with opaque cursors.
import { creditGraphError } from '@credit-graph/contract';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

/** The sort key a cursor stands for; a cursor we did not issue is a clear input error. */
export function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof parsed.k === 'string') return parsed.k;
  } catch {
    // fall through to the error below
  }
  throw creditGraphError('BAD_USER_INPUT', `"after" is not a cursor returned by this API: "${cursor}"`, {
    argumentName: 'after',
  });
}

export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw creditGraphError('BAD_USER_INPUT', `"first" must be between 1 and ${MAX_PAGE_SIZE}, got ${size}`, {
      argumentName: 'first',
    });
  }
  return size;
}

/** Builds a connection from `size + 1` rows fetched after the cursor (the extra row tells hasNextPage). */
export function toConnection<Node>(
  rows: Node[],
  size: number,
  keyOf: (node: Node) => string,
  totalCount: number,
): Connection<Node> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}
