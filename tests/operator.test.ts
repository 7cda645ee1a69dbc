// Operator commands take effect at once, on every database (issue 9 §7). On the embedded
// default a command cannot reach the running gateway's PGlite (it serves one process), so it
// refuses clearly instead of printing "revoked" and changing nothing; on PostgreSQL a
// revocation holds at the next request on every replica (API keys are not cached). Real
// processes: the gateway and the commands run as `npm start` and `npm run` run them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SUPERGRAPH_PATH } from '@credit-graph/contract';
import { loadConfig, startGateway, subgraphUrlVariable } from '@credit-graph/gateway';
import { openGatewayDatabase } from '../gateway/src/database.ts';
import { issueApiKey, revokeApiKey } from '../gateway/src/trust/api-keys.ts';
import { createTestDatabase, graphql, TEST_CALLER_SECRET, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { DEMO_BANK } from './support/callers.ts';
import { cliArguments, freePort, startProcess } from './support/processes.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { subgraphUrls } = inject('stack');
const KEYS = `op1:${'ef'.repeat(32)}`;

/** Runs a `credit-graph` command the way `npm run` does; resolves with its exit code and output. */
function runScript(command: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, cliArguments([command, ...args]), { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('operator commands on the embedded default', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'credit-graph-operator-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuse while the gateway runs instead of printing "revoked" and changing nothing, and work once it stops', async () => {
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      GATEWAY_DATABASE_URL: '',
      CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
      JWT_SECRET: TEST_JWT_SECRET,
      AUDIT_HMAC_KEYS: KEYS,
      AUDIT_CHECKPOINT_FILE: path.join(dataDir, 'audit-checkpoint.json'),
      AUDIT_CHECKPOINT_EVERY: '1',
    };
    const issued = await runScript('credentials', ['api-key', 'issue', '--role', 'BANK', '--institution', DEMO_BANK.uscc], env);
    expect(issued.code, issued.stderr).toBe(0);
    const id = /^id\s+(\S+)/m.exec(issued.stdout)![1]!;
    const key = /^key\s+(\S+)/m.exec(issued.stdout)![1]!;

    const port = await freePort();
    const gateway = await startProcess(
      ['gateway'],
      { ...env, GATEWAY_PORT: String(port), ...Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url])) },
      /\[gateway\] GraphQL/,
      120_000,
    );
    const url = `http://127.0.0.1:${port}/graphql`;
    try {
      expect((await graphql(url, '{ __typename }', {}, { 'x-api-key': key })).errors).toBeUndefined();
      for (const [script, args] of [
        ['credentials', ['api-key', 'revoke', id]],
        ['credentials', ['api-key', 'issue', '--role', 'BANK', '--institution', DEMO_BANK.uscc]],
        ['safelist', ['list']],
      ] as const) {
        const refused = await runScript(script, [...args], env);
        expect(refused.code, `${script} ${args.join(' ')}`).toBe(1);
        expect(refused.stdout).not.toMatch(/revoked|^id /m);
        expect(refused.stderr).toMatch(new RegExp(`refused: the embedded gateway database .* is open in process ${gateway.child.pid}`));
      }
      // The key still works: nothing pretended to revoke it.
      expect((await graphql(url, '{ __typename }', {}, { 'x-api-key': key })).errors).toBeUndefined();
      // Nine audited operations (a bank refused guarded fields is on record) for the verify below.
      for (let i = 0; i < 9; i++) {
        await graphql(url, `query Check${i} { enterprise(uscc: "${DEMO_BANK.uscc}") { finance { currentTaxCreditLevel } } }`, {}, { 'x-api-key': key });
      }
      // Embedded data is its owner's only.
      for (const folder of [dataDir, path.join(dataDir, 'gateway')]) expect(statSync(folder).mode & 0o077, folder).toBe(0);
      expect(statSync(path.join(dataDir, 'gateway.lock')).mode & 0o077).toBe(0);
    } finally {
      gateway.signal('SIGTERM');
      await gateway.exited;
    }
    const revoked = await runScript('credentials', ['api-key', 'revoke', id], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${id}`));
    const verified = await runScript('audit', ['verify'], env);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^ok: 9 record\(s\) verified/);
    // The issue's example: the newest records deleted by someone who can write the table.
    const opened = await openGatewayDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'gateway') });
    await opened.database.exec('DELETE FROM "AuditRecord" WHERE seq >= 7');
    await opened.close();
    const truncated = await runScript('audit', ['verify'], env);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/BROKEN at seq 7 \(truncation\): .*records 7 to 9 were deleted/);
  }, 300_000);
});

describe.runIf(process.env.TEST_DATABASE_URL)('a revocation on PostgreSQL', () => {
  it('holds at the next request on every replica (API keys are read per request, never cached)', async () => {
    const database = await createTestDatabase('gateway-revocation');
    const env = {
      ...Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url])),
      CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
      JWT_SECRET: TEST_JWT_SECRET,
    };
    const replicas = await Promise.all([0, 1].map(() => startGateway({ ...loadConfig(env), port: 0, metrics: TEST_METRICS, supergraphPath: SUPERGRAPH_PATH, database: database.target })));
    try {
      const { id, key } = await issueApiKey(replicas[0]!.database.db, { role: 'BANK', subject: 'replica-test', institution: DEMO_BANK.uscc });
      for (const replica of replicas) expect((await graphql(replica.url, '{ __typename }', {}, { 'x-api-key': key })).errors).toBeUndefined();
      // What `npm run credentials -- api-key revoke` does on PostgreSQL.
      expect((await revokeApiKey(replicas[1]!.database.db, id))?.revokedAt).toBeInstanceOf(Date);
      for (const replica of replicas) {
        expect((await graphql(replica.url, '{ __typename }', {}, { 'x-api-key': key })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await database.drop();
    }
  }, 120_000);
});
