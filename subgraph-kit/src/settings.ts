// A subgraph process's settings, declared once: its own (where it listens, seeding) composed with
// the parts every service shares (database, caller-signing keys, clock, probes, Redis,
// observability). runSubgraphProcess checks them all before anything opens and reports every
// bad variable at once.
import {
  CALLER_KEY_SETTINGS,
  checked,
  CLOCK_SETTINGS,
  composeSettings,
  databaseSettings,
  defineSettings,
  NODE_SETTINGS,
  OBSERVABILITY_SETTINGS,
  port,
  PROBE_SETTINGS,
  REDIS_SETTINGS,
  text,
} from '@credit-graph/contract';

/**
 * A seed has at least the showcase enterprises and at most a benchmark's universe ten times over
 * (`credit-graph seed --enterprises`, SEED_ENTERPRISES). Here, not in seeding.ts: that module
 * reads the clock as it loads, before the settings that configure the clock are checked.
 */
export const MIN_SEED_ENTERPRISES = 3;
export const MAX_SEED_ENTERPRISES = 1_000_000;

/** Where a subgraph listens and whether it seeds an empty database (also read by `npm start`). */
export const SUBGRAPH_PROCESS_SETTINGS = defineSettings({
  PORT: port('PORT', undefined, {
    section: 'Embedded default',
    default: '',
    description: "port of a subgraph started alone (`credit-graph subgraph <name>`); default: its port in `schema/subgraphs.json` (4101…4106)",
  }),
  HOST: text('HOST', { section: 'Embedded default', description: 'interface the subgraphs (and, under `npm start`, the gateway) bind to (the image sets `0.0.0.0`)' }, '127.0.0.1'),
  SEED_ENTERPRISES: checked(
    'SEED_ENTERPRISES',
    {
      section: 'Embedded default',
      default: '2000',
      description:
        'enterprises seeded into an empty embedded database on first start, `0` (never) or 3 to 1,000,000: `2000` under `npm start`, `0` for a subgraph started alone; PostgreSQL is seeded explicitly (`credit-graph seed`)',
    },
    (raw) => {
      if (raw === undefined) return 0;
      const value = Number(raw);
      if (!/^\s*\d+\s*$/.test(raw) || !(value === 0 || (value >= MIN_SEED_ENTERPRISES && value <= MAX_SEED_ENTERPRISES))) {
        throw new Error(`SEED_ENTERPRISES must be 0 (never) or a whole number from ${MIN_SEED_ENTERPRISES} to ${MAX_SEED_ENTERPRISES.toLocaleString('en')}, got "${raw}"`);
      }
      return value;
    },
  ),
});

/** Every variable subgraph `name` reads. */
export function subgraphSettings(name: string) {
  return composeSettings(
    SUBGRAPH_PROCESS_SETTINGS,
    databaseSettings(name),
    CALLER_KEY_SETTINGS,
    CLOCK_SETTINGS,
    PROBE_SETTINGS,
    REDIS_SETTINGS,
    OBSERVABILITY_SETTINGS,
    NODE_SETTINGS,
  );
}
