// Every write is on record exactly once (issue 9 §3), the gateway's own reads never go through
// its public door (issue 10 §8), and a transient outage is never reported as "not registered"
// (issue 10 §1, fourth bullet). Real processes and real PostgreSQL: the gateway's database is
// blocked at each step of a write by another connection holding a table lock, timed by a
// proxy in front of the sector subgraph.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeUscc, SUPERGRAPH_PATH } from '@credit-graph/contract';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { createTestDatabase, isoDaysAgo, TEST_CALLER_SECRET, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { writeIntentId } from '../gateway/src/feed/change-feed.ts';
import { UNAUDITED_WRITE_GRACE_MS, unauditedWrites } from '../scripts/audit.ts';
import { headersFor } from './support/callers.ts';
import { freePort } from './support/processes.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { subgraphUrls, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
const AUTHORITY = makeUscc('11', '410100', '00000102');
// Clean enterprises from the end of the seed (sector-writes takes the very last such one), so
// that the other end-to-end files' enterprises keep their seeded grades.
const clean = [...universe].reverse().filter((e) => e.risk === 'CLEAN' && e.sectors.trade).slice(1);
const [faultSubject, outageSubject, burstSubject, portSubject, registryDownSubject] = clean as [typeof clean[0], typeof clean[0], typeof clean[0], typeof clean[0], typeof clean[0]];
const FIELD = 'recordEnvironmentalViolation';
const WRITE = `mutation RecordViolation($input: EnvironmentalViolationInput!, $key: String!) { ${FIELD}(input: $input, idempotencyKey: $key) { id } }`;
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
const violation = (uscc: string) => ({
  uscc, decisionNumber: `郑环罚〔2026〕W-${digits(9)}号`, occurredOn: isoDaysAgo(9), decidedOn: isoDaysAgo(3), kind: 'DUST_CONTROL',
  description: '扬尘防治不力 (write-record e2e)', penaltyAmount: 2, severity: 'MINOR', authority: '郑州市生态环境局', authorityUscc: AUTHORITY,
});
/** WHATWG fetch refuses these ports (fetch spec "bad port" list); Node's HTTP client does not. */
const FETCH_BLOCKED_PORTS = [6000, 6665, 6666, 6667, 6668, 6669, 6697, 10080];
/** Lock waits of the gateway's database writes in these tests: short, so a blocked write fails fast. */
const WRITE_TIMEOUT_MS = 1500;

type Response = { status: number; data?: Record<string, { id: string } | null> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/** POST with Node's own HTTP client (undici request): works on ports WHATWG fetch refuses. */
async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  const answer = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: answer.statusCode, ...((await answer.body.json()) as object) };
}

/** A proxy in front of a subgraph that runs `hooks` around each mutation it forwards. */
function subgraphProxy(target: string) {
  const hooks: { beforeMutation?: () => Promise<void>; afterMutation?: () => Promise<void> } = {};
  let mutations = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const isMutation = /"query":"\s*mutation\b/.test(body.toString('utf8'));
      try {
        if (isMutation) {
          mutations += 1;
          await hooks.beforeMutation?.();
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
        const answer = await request(target, { method: req.method as 'POST', headers, body: req.method === 'GET' ? undefined : body });
        const text = await answer.body.text();
        if (isMutation) await hooks.afterMutation?.();
        res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') });
        res.end(text);
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
  });
  return {
    hooks,
    mutations: () => mutations,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function gatewayOn(database: TestDatabase, overrides: Record<string, string>, port = 0): Promise<GatewayApp> {
  const env = {
    ...Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url])),
    CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
    JWT_SECRET: TEST_JWT_SECRET,
    AUDIT_WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS),
    RATE_LIMIT_CAPACITY: '10000',
    RATE_LIMIT_PER_SECOND: '10000',
    ...overrides,
  };
  return startGateway({ ...loadConfig(env), port, metrics: TEST_METRICS, supergraphPath: SUPERGRAPH_PATH, database: database.target });
}

const platform = () => headersFor('SECTOR_PLATFORM', undefined, { sub: 'environment-platform-wr', sector: 'environment', institution: AUTHORITY });

describe.runIf(process.env.TEST_DATABASE_URL)('a write is on record exactly once, whatever step the gateway database fails at', () => {
  let database: TestDatabase;
  let gateway: GatewayApp;
  let sql: pg.Client;
  let locker: pg.Client;
  const proxy = subgraphProxy(subgraphUrls.environment!);

  beforeAll(async () => {
    database = await createTestDatabase('gateway-write-faults');
    // Trade unreachable too: a write about another sector must not need it (issue 10 §1).
    gateway = await gatewayOn(database, {
      SUBGRAPH_ENVIRONMENT_URL: await proxy.start(),
      SUBGRAPH_TRADE_URL: `http://127.0.0.1:${await freePort()}/graphql`,
    });
    const url = (database.target as { url: string }).url;
    sql = new pg.Client({ connectionString: url });
    locker = new pg.Client({ connectionString: url });
    await sql.connect();
    await locker.connect();
  });

  afterAll(async () => {
    await locker?.end();
    await sql?.end();
    await gateway?.stop();
    await proxy.close();
    await database?.drop();
  });

  /** Blocks the gateway's writes to these tables until release(): another session holds them locked. */
  async function block(tables: string[]): Promise<void> {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${tables.map((t) => `"${t}"`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  }
  const release = () => locker.query('ROLLBACK');
  const count = async (query: string, values: unknown[]) => Number((await sql.query<{ n: string }>(query, values)).rows[0]!.n);

  const ALL = ['WriteIntent', 'CreditChange', 'AuditRecord'];
  const steps: { step: string; arm(): Promise<void> }[] = [
    { step: 'before the intent', arm: () => block(['WriteIntent']) },
    { step: 'after the intent, before the subgraph call', arm: async () => void (proxy.hooks.beforeMutation = () => block(ALL)) },
    { step: 'after the subgraph commit', arm: async () => void (proxy.hooks.afterMutation = () => block(ALL)) },
    { step: 'during the change-feed write', arm: () => block(['CreditChange']) },
    { step: 'during the audit write', arm: () => block(['AuditRecord']) },
  ];

  it.each(steps.map((s) => [s.step, s]))('%s: 503 first, then the retry with the same key leaves one audit record and one feed entry', async (_name, { step, arm }) => {
    const key = `wr-${step.replace(/\W+/g, '-')}-${Date.now()}`;
    const input = violation(faultSubject.uscc);
    const caller = await platform();
    const before = proxy.mutations();
    await arm();
    let first: Response;
    try {
      first = await post(gateway.url, WRITE, { input, key }, caller);
    } finally {
      proxy.hooks.beforeMutation = proxy.hooks.afterMutation = undefined;
      await release();
    }
    expect(first.status, JSON.stringify(first)).toBe(503);
    expect(first.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
    // Blocked before the intent: nothing reached the subgraph.
    if (step === 'before the intent') expect(proxy.mutations()).toBe(before);

    const intent = writeIntentId(AUTHORITY, [`${FIELD}:${key}`]);
    // Until the retry, `npm run audit -- verify` reports a write on record without its audit record.
    const later = new Date(Date.now() + 2 * UNAUDITED_WRITE_GRACE_MS);
    const reported = (await unauditedWrites(gateway.database, later)).map((write) => write.id);
    if (step !== 'before the intent' && step !== 'during the change-feed write') expect(reported).toContain(intent);
    for (let attempt = 0; attempt < 2; attempt++) {
      const retry = await post(gateway.url, WRITE, { input, key }, caller);
      expect(retry.errors, JSON.stringify(retry)).toBeUndefined();
      const id = retry.data![FIELD]!.id;
      expect(await count('SELECT count(*) AS n FROM "CreditChange" WHERE "recordId" = $1', [id])).toBe(1);
      expect(await count('SELECT count(*) AS n FROM "CreditChange" WHERE "writeIntentId" = $1 AND kind <> \'GRADE\'', [intent])).toBe(1);
      expect(await count('SELECT count(*) AS n FROM "AuditRecord" WHERE "writeIntentId" = $1', [intent])).toBe(1);
    }
    expect(await count('SELECT count(*) AS n FROM "WriteIntent" WHERE id = $1 AND "fedAt" IS NOT NULL AND "auditedAt" IS NOT NULL', [intent])).toBe(1);
    expect((await unauditedWrites(gateway.database, later)).map((write) => write.id)).not.toContain(intent);
  });

  it('a write another sector’s platform is refused leaves no write without its audit record', async () => {
    const caller = await headersFor('SECTOR_PLATFORM', undefined, { sub: 'trade-platform-wr', sector: 'trade', institution: AUTHORITY });
    const refused = await post(gateway.url, WRITE, { input: violation(faultSubject.uscc), key: `wr-refused-${Date.now()}` }, caller);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await unauditedWrites(gateway.database, new Date(Date.now() + 2 * UNAUDITED_WRITE_GRACE_MS))).toEqual([]);
  });

  it('a write about a registered enterprise not seen yet succeeds while only the trade subgraph is down (issue 10 §1)', async () => {
    const result = await post(gateway.url, WRITE, { input: violation(outageSubject.uscc), key: `wr-outage-${Date.now()}` }, await platform());
    expect(result.errors, JSON.stringify(result)).toBeUndefined();
    expect(result.data![FIELD]!.id).toEqual(expect.any(String));
  });
});

describe('the gateway reads registrations and grades without its public door (issue 10 §8)', () => {
  let database: TestDatabase;
  afterAll(async () => database?.drop());
  beforeAll(async () => {
    database = await createTestDatabase('gateway-internal-reads');
  });

  it('a burst of anonymous traffic from the writer’s address neither fails a write nor drops its grade from the feed', async () => {
    const gateway = await gatewayOn(database, { RATE_LIMIT_CAPACITY: '3', RATE_LIMIT_PER_SECOND: '1' });
    try {
      // Anonymous callers share their address's bucket: empty it.
      for (let i = 0; i < 5; i++) await post(gateway.url, '{ __typename }', {});
      expect((await post(gateway.url, '{ __typename }', {})).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      const result = await post(gateway.url, WRITE, { input: violation(burstSubject.uscc), key: `wr-burst-${Date.now()}` }, await platform());
      expect(result.errors, JSON.stringify(result)).toBeUndefined();
      const id = result.data![FIELD]!.id;
      const { db } = gateway.database;
      const change = await db.creditChange.findFirstOrThrow({ where: { recordId: id } });
      expect(change.gradeAfter).toMatch(/^[A-D]$/);
      expect((await db.knownGrade.findUniqueOrThrow({ where: { uscc: burstSubject.uscc } })).grade).toBe(change.gradeAfter);
    } finally {
      await gateway.stop();
    }
  });

  it('refuses a write as SUBGRAPH_UNAVAILABLE, never "not registered", while the registry is down (issue 10 §1)', async () => {
    const gateway = await gatewayOn(database, { SUBGRAPH_REGISTRY_URL: `http://127.0.0.1:${await freePort()}/graphql` });
    try {
      const intents = await gateway.database.db.writeIntent.count();
      const result = await post(gateway.url, WRITE, { input: violation(registryDownSubject.uscc), key: `wr-registry-${Date.now()}` }, await platform());
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'registry' });
      expect(result.data?.[FIELD] ?? null).toBeNull();
      // Refused before anything was sent: no intent was even opened.
      expect(await gateway.database.db.writeIntent.count()).toBe(intents);
    } finally {
      await gateway.stop();
    }
  });

  it('serves writes on a port WHATWG fetch refuses', async () => {
    let gateway: GatewayApp | undefined;
    for (const port of FETCH_BLOCKED_PORTS) {
      gateway = await gatewayOn(database, {}, port).catch(() => undefined); // taken: try the next one
      if (gateway) break;
    }
    if (!gateway) throw new Error(`none of the ports ${FETCH_BLOCKED_PORTS.join(', ')} was free`);
    try {
      const result = await post(gateway.url, WRITE, { input: violation(portSubject.uscc), key: `wr-port-${Date.now()}` }, await platform());
      expect(result.errors, JSON.stringify(result)).toBeUndefined();
      expect((await gateway.database.db.creditChange.findFirstOrThrow({ where: { recordId: result.data![FIELD]!.id } })).gradeAfter).toMatch(/^[A-D]$/);
    } finally {
      await gateway.stop();
    }
  });
});
