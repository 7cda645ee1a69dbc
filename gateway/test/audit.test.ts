// The audit log on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): group
// commit, the hash chain and its verification, queries, and the Apollo plugin.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditPlugin, createAudit, hashRecord, type Audit, type AuditEntry } from '../src/audit/audit.ts';
import { parseAuditKeys } from '../src/audit/chain.ts';
import { openGatewayDatabase, type GatewayDatabase } from '../src/database.ts';
import { useGatewayDatabase } from './support/gateway-database.ts';

const USCC_A = '91350100M000100Y43';
const USCC_B = '91110000600037341L';
const USCC_C = '91440300708461136T';
const BANK = '91410100MA44XXXX0A';
const silent = { error: () => undefined };
/** The chain's key, as AUDIT_HMAC_KEYS gives it; the database never holds it. */
const KEYS = parseAuditKeys(`k1:${'ab'.repeat(32)}`);

const gateway = useGatewayDatabase('audit');

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    subject: 'officer-1',
    role: 'BANK',
    institution: BANK,
    purpose: 'LOAN_APPROVAL',
    consentIds: ['consent-1'],
    operationName: 'CreditCheck',
    operationHash: 'a'.repeat(64),
    subjects: [USCC_A],
    scopesUsed: ['credit:read'],
    outcome: 'ok',
    clientAddress: '10.0.0.1',
    ...overrides,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  return (error as GraphQLError).extensions.code;
}

/** Another connection to the same database when there can be one (PostgreSQL), else the same one. */
async function secondConnection(): Promise<GatewayDatabase> {
  return gateway.target.kind === 'postgres' ? openGatewayDatabase(gateway.target) : gateway;
}

async function seqs(): Promise<bigint[]> {
  const rows = await gateway.db.auditRecord.findMany({ select: { seq: true }, orderBy: { seq: 'asc' } });
  return rows.map((row) => row.seq);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i + 1));

beforeEach(async () => {
  await gateway.database.exec('TRUNCATE "AuditRecord"');
});

describe('createAudit', () => {
  it('refuses bad options at creation with a coded error', () => {
    expect(() => createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, maxBatch: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, maxWaitMs: -1 })).toThrow(/maxWaitMs/);
    expect(() => createAudit({ db: undefined as never, raw: undefined as never, keys: KEYS })).toThrow(/database/);
  });

  it('writes N concurrent records as N rows with contiguous seqs and a chain that verifies', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    const results = await Promise.all(Array.from({ length: 450 }, (_, i) => audit.record(entry({ subjects: [`S${i}`] }))));
    expect(await seqs()).toEqual(range(450));
    expect(new Set(results.map((r) => r.seq)).size).toBe(450);
    // More than maxBatch entries: written in several transactions, never one over the limit.
    expect(audit.stats()).toEqual({ batches: 3, records: 450 });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 450, legacy: 0 });
    await audit.close();
  });

  it('batches entries that arrive while a write is in flight, and resolves each only once its row is committed', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, maxWaitMs: 0 });
    const reader = await secondConnection();
    const visibleAtResolve: boolean[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      pending.push(
        audit.record(entry({ subjects: [`S${i}`] })).then(async ({ id }) => {
          const rows = await reader.database.query('SELECT 1 FROM "AuditRecord" WHERE id = $1', [id]);
          visibleAtResolve.push(rows.length === 1);
        }),
      );
      await nextTurn(); // one entry per event-loop turn: later ones arrive during earlier writes
    }
    await Promise.all(pending);
    expect(visibleAtResolve).toEqual(Array(60).fill(true));
    const { batches, records } = audit.stats();
    expect(records).toBe(60);
    expect(batches).toBeLessThan(30);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 60, legacy: 0 });
    await audit.close();
    if (reader !== gateway) await reader.close();
  });

  it('writes a full batch at once without waiting for maxWaitMs', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, maxBatch: 5, maxWaitMs: 60_000 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => audit.record(entry())));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(audit.stats()).toEqual({ batches: 1, records: 5 });
    await audit.close();
  });

  it('keeps one chain when two gateway replicas write to the same database at once', async () => {
    const other = await secondConnection();
    const first = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    const second = createAudit({ db: other.db, raw: other.raw, keys: KEYS });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? first : second).record(entry({ subjects: [`S${i}`] }))),
    );
    expect(await seqs()).toEqual(range(200));
    expect(await first.verify()).toMatchObject({ ok: true, checked: 200, legacy: 0 });
    await first.close();
    await second.close();
    if (other !== gateway) await other.close();
  });

  it('finds a record whose subjects were edited in the database', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    await Promise.all(Array.from({ length: 10 }, (_, i) => audit.record(entry({ subjects: [`S${i}`] }))));
    expect((await audit.verify()).ok).toBe(true);
    await gateway.database.exec(`UPDATE "AuditRecord" SET subjects = ARRAY['${USCC_C}'] WHERE seq = 4`);
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, checked: 3, problem: { seq: 4n } });
    expect(result.problem!.reason).toMatch(/hash does not match/);
    await audit.close();
  });

  it('chains refused subjects too: a record naming them verifies, and erasing them is found', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    const before = (await audit.verify()).checked;
    await audit.record(entry({ subjects: [USCC_A], deniedSubjects: [USCC_B] }));
    await audit.record(entry({ subjects: [USCC_A] }));
    expect(await audit.verify()).toMatchObject({ ok: true, checked: before + 2 });
    await gateway.database.exec(`UPDATE "AuditRecord" SET "deniedSubjects" = ARRAY[]::TEXT[] WHERE seq = ${before + 1}`);
    expect(await audit.verify()).toMatchObject({ ok: false, problem: { seq: BigInt(before + 1) } });
    await audit.close();
  });

  it('finds a record whose hash was recomputed after an edit, at the next record', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    await Promise.all(Array.from({ length: 10 }, () => audit.record(entry())));
    // Even a forger holding the key, who rehashes the edited record, breaks the link from its successor.
    const record = await gateway.db.auditRecord.findUniqueOrThrow({ where: { seq: 4n } });
    const { seq: _seq, hash: _hash, at, ...rest } = record;
    const forged = hashRecord({ ...rest, at: at.toISOString(), outcome: 'denied' }, KEYS);
    await gateway.database.exec(`UPDATE "AuditRecord" SET outcome = 'denied', hash = '${forged}' WHERE seq = 4`);
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 4, problem: { seq: 5n, kind: 'edit' } });
    await audit.close();
  });

  it('reports a deleted middle record as a broken chain at the record after it', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    await Promise.all(Array.from({ length: 10 }, () => audit.record(entry())));
    await gateway.database.exec('DELETE FROM "AuditRecord" WHERE seq = 5');
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, checked: 4, problem: { seq: 6n, kind: 'gap' } });
    expect(result.problem!.reason).toMatch(/records 5 to 5 are missing/);
    await audit.close();
  });

  it('verifies a chain longer than one verify page', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    await Promise.all(Array.from({ length: 5200 }, () => audit.record(entry())));
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 5200, legacy: 0 });
    await gateway.database.exec('DELETE FROM "AuditRecord" WHERE seq = 5001');
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 5000, problem: { seq: 5002n, kind: 'gap' } });
    await audit.close();
  });

  it('rejects every entry of a failed write with AUDIT_UNAVAILABLE, and the next write continues the chain without a gap', async () => {
    const errors: unknown[][] = [];
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, logger: { error: (...args: unknown[]) => errors.push(args) } });
    await audit.record(entry());
    await gateway.database.exec(`ALTER TABLE "AuditRecord" ADD CONSTRAINT no_poison CHECK (subject <> 'poison')`);
    try {
      const batch = [audit.record(entry()), audit.record(entry({ subject: 'poison' })), audit.record(entry())];
      expect(await Promise.all(batch.map(codeOf))).toEqual(['AUDIT_UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'AUDIT_UNAVAILABLE']);
      expect(errors).toHaveLength(1);
    } finally {
      await gateway.database.exec(`ALTER TABLE "AuditRecord" DROP CONSTRAINT no_poison`);
    }
    await audit.record(entry());
    expect(await seqs()).toEqual(range(2));
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 2, legacy: 0 });
    await audit.close();
  });

  // A record queued behind a stalled write has the budget from its own call, not a fresh one
  // after that write (an attack found checks answered AUDIT_UNAVAILABLE after ~2x the budget).
  it.runIf(process.env.TEST_DATABASE_URL)('a record queued behind a write stalled on the chain lock is refused within its own budget', async () => {
    const budgetMs = 2_000;
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, writeTimeoutMs: budgetMs, maxWaitMs: 0, logger: silent });
    await audit.record(entry());
    const holder = new pg.Client({ connectionString: (gateway.database.target as { url: string }).url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7236001)');
      const first = codeOf(audit.record(entry()));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const queuedAt = performance.now();
      const second = await codeOf(audit.record(entry()));
      const waitedMs = performance.now() - queuedAt;
      expect(await first).toBe('AUDIT_UNAVAILABLE');
      expect(second).toBe('AUDIT_UNAVAILABLE');
      // Before: the first write's 1.8 s lock wait, then a whole budget of its own (~3.1 s here).
      expect(waitedMs).toBeLessThan(budgetMs + 600);
      await holder.query('SELECT pg_advisory_unlock(7236001)');
      await audit.record(entry());
      expect(await audit.verify()).toMatchObject({ ok: true });
    } finally {
      await holder.end();
      await audit.close();
    }
  });

  // A second session (another replica, or an operator's stuck transaction) holds the chain lock.
  it.runIf(process.env.TEST_DATABASE_URL)('a write waits for a held chain lock no longer than its budget: lock_timeout, AUDIT_UNAVAILABLE, then the chain goes on', async () => {
    const errors: unknown[][] = [];
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, writeTimeoutMs: 1_000, logger: { error: (...args: unknown[]) => errors.push(args) } });
    await audit.record(entry());
    const holder = new pg.Client({ connectionString: (gateway.database.target as { url: string }).url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7236001)');
      expect(await codeOf(audit.record(entry()))).toBe('AUDIT_UNAVAILABLE');
      // PostgreSQL's lock timeout ended the wait (not the transaction's own deadline).
      expect(errors.map((args) => args.join(' ')).join('\n')).toMatch(/lock timeout|55P03/);
      await holder.query('SELECT pg_advisory_unlock(7236001)');
      await audit.record(entry());
      expect(await seqs()).toEqual(range(2));
    } finally {
      await holder.end();
      await audit.close();
    }
  });

  it('rejects with AUDIT_UNAVAILABLE when the database is gone', async () => {
    const closing = await openGatewayDatabase(gateway.target);
    const audit = createAudit({ db: closing.db, raw: closing.raw, keys: KEYS, logger: silent });
    await closing.close();
    expect(await codeOf(audit.record(entry()))).toBe('AUDIT_UNAVAILABLE');
  });

  it('rejects an invalid entry alone, without failing the entries batched with it', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    const bad = audit.record(entry({ outcome: 'maybe' as never }));
    const good = audit.record(entry());
    expect(await codeOf(bad)).toBe('AUDIT_UNAVAILABLE');
    expect((await good).seq).toBe(1n);
    await audit.close();
  });

  it('close writes what is queued, then refuses new entries', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, maxWaitMs: 60_000 });
    const queued = Array.from({ length: 10 }, () => audit.record(entry()));
    await audit.close();
    expect(await seqs()).toEqual(range(10));
    await Promise.all(queued);
    expect(await codeOf(audit.record(entry()))).toBe('AUDIT_UNAVAILABLE');
  });
});

describe('audit query', () => {
  let audit: Audit;
  beforeEach(async () => {
    audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 9, minute));
    for (const [i, e] of [
      entry({ at: at(0), subjects: [USCC_A] }),
      entry({ at: at(1), subjects: [USCC_B, USCC_A], purpose: 'LOAN_MONITORING' }),
      entry({ at: at(2), subjects: [USCC_B] }),
      entry({ at: at(3), subjects: [USCC_A], role: 'REGULATOR', institution: 'REG-1', subject: 'inspector', purpose: 'SUPERVISION' }),
      entry({ at: at(4), subjects: [USCC_A], outcome: 'denied' }),
    ].entries()) {
      expect((await audit.record(e)).seq).toBe(BigInt(i + 1)); // one at a time: seq follows the list
    }
  });

  it("shows an enterprise every lookup of it, newest first, page by page", async () => {
    const first = await audit.query({ enterpriseUscc: USCC_A, first: 2 });
    expect(first.edges.map((e) => e.node.seq)).toEqual([5n, 4n]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await audit.query({ enterpriseUscc: USCC_A, first: 2, after: first.pageInfo.endCursor });
    expect(second.edges.map((e) => e.node.seq)).toEqual([2n, 1n]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(second.edges[0]!.node).toMatchObject({ institution: BANK, purpose: 'LOAN_MONITORING', subjects: [USCC_B, USCC_A] });
  });

  it('filters by institution, role, purpose, subject and time for regulators', async () => {
    const seqsOf = async (filter: Parameters<Audit['query']>[0]) => (await audit.query(filter)).edges.map((e) => e.node.seq);
    expect(await seqsOf({ institution: 'REG-1' })).toEqual([4n]);
    expect(await seqsOf({ role: 'BANK', enterpriseUscc: USCC_B })).toEqual([3n, 2n]);
    expect(await seqsOf({ purpose: 'LOAN_MONITORING' })).toEqual([2n]);
    expect(await seqsOf({ subject: 'inspector' })).toEqual([4n]);
    expect(await seqsOf({ from: new Date(Date.UTC(2025, 0, 1, 9, 1)), to: new Date(Date.UTC(2025, 0, 1, 9, 3)) })).toEqual([3n, 2n]);
  });

  it('refuses a page size out of range and a cursor it did not issue', async () => {
    expect(await codeOf(audit.query({ first: 0 }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(audit.query({ first: 101 }))).toBe('BAD_USER_INPUT');
    expect(await codeOf(audit.query({ after: 'not-a-cursor' }))).toBe('BAD_USER_INPUT');
  });
});

describe('auditPlugin', () => {
  const typeDefs = 'type Query { enterprise(uscc: String!): String }';
  const resolvers = { Query: { enterprise: (_: unknown, args: { uscc: string }) => `credit data of ${args.uscc}` } };

  async function startServer(audit: Pick<Audit, 'record'>) {
    const server = new ApolloServer({
      typeDefs,
      resolvers,
      plugins: [
        auditPlugin(audit, (rc) =>
          rc.request.operationName === 'Unaudited' ? null : entry({ subjects: [String(rc.request.variables?.uscc)] }),
        ),
      ],
    });
    await server.start();
    return server;
  }

  async function post(server: ApolloServer, operationName: string) {
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: 'POST',
        headers: new HeaderMap([['content-type', 'application/json']]),
        search: '',
        body: { query: `query ${operationName}($uscc: String!) { enterprise(uscc: $uscc) }`, operationName, variables: { uscc: USCC_A } },
      },
      context: async () => ({}),
    });
    if (response.body.kind !== 'complete') throw new Error('expected a complete body');
    return { status: response.status ?? 200, body: JSON.parse(response.body.string) as Record<string, unknown> };
  }

  it('holds the response until the record is durable', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const server = await startServer({ record: async (e) => (await gate, audit.record(e)) });
    let answered = false;
    const answer = post(server, 'CreditCheck').then((result) => ((answered = true), result));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false); // the answer is ready, but its record is not
    release();
    const { status, body } = await answer;
    expect(status).toBe(200);
    const records = await gateway.db.auditRecord.findMany();
    expect(records).toHaveLength(1);
    expect(records[0]!.subjects).toEqual([USCC_A]);
    // The answer names the record it is on: evidence for the caller's file.
    expect(body).toEqual({
      data: { enterprise: `credit data of ${USCC_A}` },
      extensions: { auditRecord: { id: records[0]!.id, sequence: records[0]!.seq.toString() } },
    });
    await server.stop();
    await audit.close();
  });

  it('answers 503 AUDIT_UNAVAILABLE with no data when the record cannot be written', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, logger: silent });
    await audit.close(); // a closed log refuses every entry
    const server = await startServer(audit);
    const { status, body } = await post(server, 'CreditCheck');
    expect(status).toBe(503);
    expect(body).not.toHaveProperty('data');
    expect(body).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'AUDIT_UNAVAILABLE' } })] });
    await server.stop();
  });

  it('answers 503 when the database rejects the write', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, logger: silent });
    const server = await startServer(audit);
    await gateway.database.exec(`ALTER TABLE "AuditRecord" ADD CONSTRAINT no_writes CHECK (false) NOT VALID`);
    try {
      const { status, body } = await post(server, 'CreditCheck');
      expect(status).toBe(503);
      expect(JSON.stringify(body)).not.toContain('credit data');
    } finally {
      await gateway.database.exec(`ALTER TABLE "AuditRecord" DROP CONSTRAINT no_writes`);
    }
    await server.stop();
    await audit.close();
  });

  it('records nothing for an operation describe leaves out', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    const server = await startServer(audit);
    const { status, body } = await post(server, 'Unaudited');
    expect(status).toBe(200);
    expect(body).toHaveProperty('data.enterprise');
    expect(body).not.toHaveProperty('extensions.auditRecord');
    expect(await gateway.db.auditRecord.count()).toBe(0);
    await server.stop();
    await audit.close();
  });
});
