// V8's heap flags per kind of process: one definition for the Kubernetes manifests
// (deploy/render.ts sets them as NODE_OPTIONS), `npm start` (package.json's start script and the
// children it starts, scripts/start.ts) and the bench, which runs every process as they run.
//
// - The old-space cap (MB): uncapped, V8 grows the heap with garbage while the machine has memory
//   (bench/README.md "Memory": gateway 379 -> 226 MB peak RSS, registry 438 -> 259 MB, same
//   answers, portfolios of 500 included).
// - The young generation's semi-space at 16 MB, Node 20's default: from Node 22 (V8 12) it may
//   grow to 64 MB, three of which sit beside the old space (heap limit 384 MB under a 192 MB cap
//   on the image's Node 24, against 240 MB on Node 20); the gateway then peaked at 305 MB RSS on
//   the bench's single checks, 248 MB with this flag (bench/README.md, session 7).
// - `embedded`: `npm start`'s in-process shape, the gateway and six subgraphs in one process
//   (on the bench's PostgreSQL, Node 24: idle RSS 426 MB uncapped, 212 MB with these flags;
//   bench/README.md, session 8). Its first run seeds in a child process without the cap
//   (scripts/start.ts): seeding six PGlite databases in one process needs more than 192 MB.

/** Node's command-line flags (as NODE_OPTIONS takes them) for each kind of process. */
export const NODE_OPTIONS_OF = {
  gateway: '--max-old-space-size=192 --max-semi-space-size=16',
  subgraph: '--max-old-space-size=160 --max-semi-space-size=16',
  embedded: '--max-old-space-size=192 --max-semi-space-size=16',
} as const;

export type HeapRole = keyof typeof NODE_OPTIONS_OF;

/**
 * V8's heap-size flags (the old space, the semi-space, and the two that size them together):
 * Node accepts them with dashes or underscores, and `--flag value` as well as `--flag=value`.
 */
const HEAP_FLAG = /^--max[-_](?:old[-_]space[-_]size|semi[-_]space[-_]size|heap[-_]size|young[-_]generation[-_]size)(=|$)/;

/**
 * `flags` (execArgv, or NODE_OPTIONS split on spaces) without V8's heap-size flags, so that a
 * child process gets its own (`heapFlags`) instead of its parent's. A flag given as two words
 * (`--max-old-space-size 192`) loses its value too. In: flags in order; out: a new array.
 */
export function withoutHeapFlags(flags: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const match = HEAP_FLAG.exec(flags[i]!);
    if (!match) kept.push(flags[i]!);
    else if (match[1] === '') i++; // `--flag value`: the value goes with it
  }
  return kept;
}

/** The flags of NODE_OPTIONS_OF[role] as separate arguments. */
export function heapFlags(role: HeapRole): string[] {
  return NODE_OPTIONS_OF[role].split(' ');
}
