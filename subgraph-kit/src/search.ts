// Searching text columns with Prisma's `contains`, the same way in every subgraph. Prisma
// sends `contains` to PostgreSQL as LIKE/ILIKE '%<value>%' without escaping the value, so a
// caller's "%" or "_" would be a wildcard (a search for "%" matching every row).

/**
 * The `contains` filter for a caller's text fragment, matched as characters, ignoring case:
 * `%`, `_` and the escape character `\` (PostgreSQL's default LIKE escape) are escaped.
 * Spread it into a Prisma where clause: `{ name: containsText(fragment) }`.
 */
export function containsText(fragment: string): { contains: string; mode: 'insensitive' } {
  return { contains: fragment.replace(/[\\%_]/g, (character) => `\\${character}`), mode: 'insensitive' };
}
