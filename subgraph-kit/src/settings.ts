// A subgraph process's settings, declared once: its own (where it listens, seeding) composed with
// the parts every service shares (database, caller-signing keys, clock, probes, Redis,
// observability). runSubgraphProcess checks them all before anything opens and reports every
// bad variable at once.
import {
  CALLER_KEY_SETTINGS,
  CLOCK_SETTINGS,
  composeSettings,
  databaseSettings,
  defineSettings,
  integer,
  NODE_SETTINGS,
  OBSERVABILITY_SETTINGS,
  port,
  PROBE_SETTINGS,
  REDIS_SETTINGS,
  text,
} from '@credit-graph/contract';

/** Where a subgraph listens and whether it seeds an empty database (also read by `npm start`). */
export const SUBGRAPH_PROCESS_SETTINGS = defineSettings({
  PORT: port('PORT', undefined, {
    section: 'Embedded default',
    default: '',
    description: "port of a subgraph started alone (`credit-graph subgraph <name>`); default: its port in `schema/subgraphs.json` (4101…4106)",
  }),
  HOST: text('HOST', { section: 'Embedded default', description: 'interface the subgraphs (and, under `npm start`, the gateway) bind to (the image sets `0.0.0.0`)' }, '127.0.0.1'),
  SEED_ENTERPRISES: integer('SEED_ENTERPRISES', 0, {
    section: 'Embedded default',
    default: '2000',
    description:
      'enterprises seeded into an empty embedded database on first start: `2000` under `npm start`, `0` (never) for a subgraph started alone; PostgreSQL is seeded explicitly (`credit-graph seed`)',
  }),
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
