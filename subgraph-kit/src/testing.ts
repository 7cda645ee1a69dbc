// Test helpers: a throw-away database per test file (in-memory PGlite by default, a fresh
// PostgreSQL database when TEST_DATABASE_URL is set), a small GraphQL client, and a fixed
// caller signing secret that test subgraphs and test gateways share.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS_CALLER, businessToday, checkTimeZone, createCallerSigner, createLogger, readReportFrom, ROLE_SCOPES, type Caller, type CallerKeys, type DatabaseTarget, type Logger, type Sector } from '@credit-graph/contract';
import { startSubgraph, type PrismaClientLike, type RunningSubgraph, type SubgraphDefinition } from './subgraph.ts';

export interface TestDatabase {
  target: DatabaseTarget;
  drop(): Promise<void>;
}

/**
 * The PostgreSQL time zone test databases run in (TEST_DATABASE_TIMEZONE, e.g. Asia/Shanghai):
 * CI runs the database tests once with a server that is not in UTC, as many in China are.
 */
function testDatabaseTimeZone(): string | undefined {
  const zone = process.env.TEST_DATABASE_TIMEZONE;
  if (!zone) return undefined;
  return checkTimeZone(zone, 'TEST_DATABASE_TIMEZONE');
}

/**
 * A throw-away database: in-memory PGlite, or with TEST_DATABASE_URL a fresh PostgreSQL database
 * (in TEST_DATABASE_TIMEZONE when set, for every session: `ALTER DATABASE ... SET timezone`).
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const timeZone = testDatabaseTimeZone();
  if (!adminUrl) return { target: { kind: 'pglite', dataDir: undefined }, drop: async () => undefined };
  const name = `cg_test_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  if (timeZone) await admin.query(`ALTER DATABASE "${name}" SET timezone TO '${timeZone}'`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    target: { kind: 'postgres', url: url.toString() },
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The caller signing secret of every test subgraph and test gateway (never used outside tests). */
export const TEST_CALLER_SECRET = 'credit-graph-test-caller-signing-secret-0123456789';

/** Signs test requests as the gateway would, with TEST_CALLER_SECRET. */
const testSigner = createCallerSigner(TEST_CALLER_SECRET);
/** The subgraph name behind each test subgraph's URL: a signature names its target subgraph. */
const subgraphNames = new Map<string, string>();

/** Remembers that `url` is subgraph `name`, for `subgraphGraphql` (startTestSubgraph does it). */
export function registerTestSubgraph(url: string, name: string): void {
  subgraphNames.set(url, name);
}

/** Starts a subgraph on an ephemeral port with its own fresh, seeded database. */
/** A service logger at `level` whose JSON lines are kept (`lines`) instead of written to stdout. */
export function captureLogs(service: string, level: 'info' | 'debug' | 'warn' = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger(service, { level, destination }),
    lines,
    /** Every line, parsed. */
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Metrics of a test service: on a free port of its own, loopback only (several services share a test process). */
export const TEST_METRICS = Object.freeze({ port: 0, host: '127.0.0.1' });

export async function startTestSubgraph<Db extends PrismaClientLike, Loaders>(
  definition: SubgraphDefinition<Db, Loaders>,
  seedEnterprises: number,
  options: { callerSecret?: CallerKeys; redisUrl?: string; logger?: Logger } = {},
): Promise<RunningSubgraph<Db>> {
  const callerSecret = options.callerSecret ?? TEST_CALLER_SECRET;
  const database = await createTestDatabase(definition.name);
  let running: RunningSubgraph<Db>;
  try {
    // Metrics on a free port of their own, as in production (tests scrape them).
    running = await startSubgraph(definition, {
      database: database.target,
      seedEnterprises,
      callerSecret,
      redisUrl: options.redisUrl,
      logger: options.logger,
      metrics: TEST_METRICS,
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
  registerTestSubgraph(running.url, running.name);
  return {
    ...running,
    async stop() {
      await running.stop();
      await database.drop();
    },
  };
}

export interface GraphQLResponse<Data = Record<string, unknown>> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export async function graphql<Data = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<Data> & { status: number }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as GraphQLResponse<Data>) };
}

/**
 * Headers signing `body` (POST to `url`) for `caller`, as the gateway signs a call to the test
 * subgraph at `url` (started by startTestSubgraph, or registered) with TEST_CALLER_SECRET.
 */
export async function signedTestHeaders(url: string, body: string, caller: Caller = ANONYMOUS_CALLER, subgraph?: string): Promise<Record<string, string>> {
  const name = subgraph ?? subgraphNames.get(url);
  if (!name) throw new Error(`no test subgraph is registered at ${url}: pass its name`);
  const { pathname, search } = new URL(url);
  return testSigner.sign(caller, { subgraph: name, method: 'POST', path: pathname + search, body });
}

/** A request straight to a test subgraph, signed for `caller` as the gateway would sign it. */
export async function subgraphGraphql<Data = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  caller: Caller = ANONYMOUS_CALLER,
): Promise<GraphQLResponse<Data> & { status: number }> {
  const body = JSON.stringify({ query, variables });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await signedTestHeaders(url, body, caller)) },
    body,
  });
  return { status: response.status, ...((await response.json()) as GraphQLResponse<Data>) };
}

/** The federation `_entities` query for one entity type, as the gateway sends it. */
export function entitiesQuery(typename: string, selection: string): string {
  return `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on ${typename} { ${selection} } } }`;
}

/** A caller of `role` with the role's default scopes, for signed subgraph requests. */
export function testCaller(role: Caller['role'], more: Partial<Caller> = {}): Caller {
  return { subject: `${role.toLowerCase()}-1`, role, scopes: ROLE_SCOPES[role], ...more };
}

/** A bank declaring LOAN_APPROVAL, holding consents from `consents` (USCCs). */
export function testBank(consents: string[], more: Partial<Caller> = {}): Caller {
  return testCaller('BANK', { institution: TEST_BANK_USCC, purpose: 'LOAN_APPROVAL', consents, ...more });
}

export const TEST_BANK_USCC = '91410100MA44XWJ01Y';

export interface GuardedRead {
  url: string;
  /** Enterprises read together in one `_entities` batch. */
  usccs: string[];
  /** Selection on Enterprise, including `uscc`, the public fields and the guarded ones. */
  selection: string;
  /** Paths (from the entity) of the non-public fields, e.g. `trade.volumes`. */
  guarded: string[];
  /** Assertions on each entity's public part, which must answer whoever asks. */
  checkPublic?: (entity: any) => void;
}

/**
 * Reads the enterprises in one `_entities` batch as `caller` and tells, per enterprise, 'read'
 * or the one error code its guarded fields got; a guarded field is null exactly when it has an
 * error, and the error names the enterprise. A refusal never fails the whole request.
 */
export async function guardedOutcomes(read: GuardedRead, caller: Caller): Promise<string[]> {
  const { status, data, errors = [], extensions } = await subgraphGraphql(read.url, entitiesQuery('Enterprise', read.selection), {
    representations: read.usccs.map((uscc) => ({ __typename: 'Enterprise', uscc })),
  }, caller);
  if (status !== 200) throw new Error(`expected HTTP 200, got ${status}`);
  // The read report (for the audit record) must say exactly what the answer shows.
  const report = readReportFrom(extensions);
  const outcomes: string[] = data._entities.map((entity: any, i: number) => {
    if (entity.uscc !== read.usccs[i]) throw new Error(`entity ${i} is ${entity.uscc}, expected ${read.usccs[i]}`);
    read.checkPublic?.(entity);
    const codes = read.guarded.map((path) => {
      const error = errors.find((e) => e.path?.join('.') === `_entities.${i}.${path}`);
      const value = path.split('.').reduce((parent, key) => parent?.[key], entity);
      if ((value === null) !== (error !== undefined)) throw new Error(`${path} of ${entity.uscc}: null=${value === null} but error=${error !== undefined}`);
      if (error && error.extensions?.uscc !== entity.uscc) throw new Error(`the error on ${path} does not name ${entity.uscc}`);
      return (error?.extensions?.code as string | undefined) ?? 'read';
    });
    if (new Set(codes).size !== 1) throw new Error(`guarded fields of ${entity.uscc} disagree: ${codes.join(', ')}`);
    return codes[0]!;
  });
  const expected = (outcome: (code: string) => boolean) => [...new Set(read.usccs.filter((_, i) => outcome(outcomes[i]!)))].sort();
  const reportedRead = [...report.read].sort();
  const reportedDenied = [...report.denied].sort();
  if (JSON.stringify(reportedRead) !== JSON.stringify(expected((code) => code === 'read'))) {
    throw new Error(`read report names ${reportedRead.join(', ') || 'nothing'} as read; the answer shows ${outcomes.join(', ')}`);
  }
  if (JSON.stringify(reportedDenied) !== JSON.stringify(expected((code) => code !== 'read'))) {
    throw new Error(`read report names ${reportedDenied.join(', ') || 'nothing'} as denied; the answer shows ${outcomes.join(', ')}`);
  }
  return outcomes;
}

export interface NonPublicFieldsSpec {
  /** The subgraph under test (its sector platform may read, `otherSector`'s may not). */
  sector: Sector;
  otherSector: Sector;
  /** How the non-public fields are named in test titles. */
  fields: string;
  /** Two enterprises that both have records in this sector. */
  enterprises: () => [a: string, b: string];
  read: () => Omit<GuardedRead, 'usccs'>;
}

/**
 * The same permission matrix for every sector subgraph's non-public fields (one shared rule,
 * nonPublicCredit, so one shared test): roles, purpose, consent, and the mixed portfolio.
 */
export function describeNonPublicFields(spec: NonPublicFieldsSpec): void {
  const regulator = testCaller('REGULATOR', { purpose: 'SUPERVISION' });
  const outcomes = (who: Caller) => guardedOutcomes({ ...spec.read(), usccs: spec.enterprises() }, who);

  describe(`${spec.sector} permissions`, () => {
    it(`gives PUBLIC and DEVELOPER callers the public fields and FORBIDDEN on ${spec.fields}`, async () => {
      expect(await outcomes(testCaller('PUBLIC'))).toEqual(['FORBIDDEN', 'FORBIDDEN']);
      expect(await outcomes(testCaller('DEVELOPER'))).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    });

    it(`gives a public agency, even with a declared scenario, FORBIDDEN on ${spec.fields}: it verifies from public data`, async () => {
      expect(await outcomes(testCaller('AGENCY', { institution: '12410100005000117X', purpose: 'GOVERNMENT_PROCUREMENT' }))).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    });

    it('lets a bank with a purpose read the enterprises that consented, and only those (mixed portfolio)', async () => {
      const [a, b] = spec.enterprises();
      expect(await outcomes(testBank([a, b]))).toEqual(['read', 'read']);
      expect(await outcomes(testBank([a]))).toEqual(['read', 'CONSENT_REQUIRED']);
    });

    it('answers CONSENT_REQUIRED naming the enterprise, the bank and the purpose when no consent was granted', async () => {
      const [a, b] = spec.enterprises();
      expect(await outcomes(testBank([]))).toEqual(['CONSENT_REQUIRED', 'CONSENT_REQUIRED']);
      const { errors } = await subgraphGraphql(spec.read().url, entitiesQuery('Enterprise', spec.read().selection), {
        representations: [{ __typename: 'Enterprise', uscc: b }],
      }, testBank([a], { purpose: 'LOAN_MONITORING' }));
      expect(errors?.[0]?.message).toMatch(
        new RegExp(`^Enterprise ${b} has not granted bank ${TEST_BANK_USCC} a live consent for purpose LOAN_MONITORING: the enterprise must grant`),
      );
    });

    it('answers PURPOSE_REQUIRED to a bank or regulator without a declared purpose', async () => {
      const [a, b] = spec.enterprises();
      expect(await outcomes(testBank([a, b], { purpose: undefined }))).toEqual(['PURPOSE_REQUIRED', 'PURPOSE_REQUIRED']);
      expect(await outcomes({ ...regulator, purpose: undefined })).toEqual(['PURPOSE_REQUIRED', 'PURPOSE_REQUIRED']);
    });

    it('refuses a signed caller whose purpose its role cannot have (a bank declaring SUPERVISION)', async () => {
      const [a, b] = spec.enterprises();
      expect(await outcomes(testBank([a, b], { purpose: 'SUPERVISION' }))).toEqual(['FORBIDDEN', 'FORBIDDEN']);
      expect(await outcomes(testCaller('ENTERPRISE', { uscc: a, purpose: 'LOAN_APPROVAL' }))).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    });

    it('lets an enterprise read itself without a purpose, not another enterprise', async () => {
      expect(await outcomes(testCaller('ENTERPRISE', { uscc: spec.enterprises()[0] }))).toEqual(['read', 'FORBIDDEN']);
    });

    it(`lets a regulator and the ${spec.sector} platform read with a purpose, not another sector platform`, async () => {
      expect(await outcomes(regulator)).toEqual(['read', 'read']);
      expect(await outcomes(testCaller('SECTOR_PLATFORM', { sector: spec.sector, purpose: 'SUPERVISION' }))).toEqual(['read', 'read']);
      expect(await outcomes(testCaller('SECTOR_PLATFORM', { sector: spec.otherSector, purpose: 'SUPERVISION' }))).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    });
  });
}

/** The business date `days` before today (negative: after), as YYYY-MM-DD: test records dated relative to the clock. */
export function isoDaysAgo(days: number): string {
  const date = businessToday();
  date.setUTCDate(date.getUTCDate() - days);
  return date.toISOString().slice(0, 10);
}

export interface TcpProxy {
  port: number;
  /** From now on, bytes in either direction are dropped and new connections get no answer: a partitioned server. */
  freeze(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy to `host:port` that a test can freeze: connections stay open and accept bytes,
 * but nothing comes back, like a server behind a dead link or a stopped process. For tests
 * of the bounded waits of database and Redis clients.
 */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (frozen) return;
    const upstream = connect(port, host);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('data', (data) => void (frozen || upstream.write(data)));
    upstream.on('data', (data) => void (frozen || client.write(data)));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => void (frozen = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
