// The signed record of issued credit reports (issue 12 §6), on a real database: a record edited
// in the database fails verification, keys rotate, and the content rules (bounded sections, the
// non-public section, escaping, a report never issued with a section missing) hold. The graph's
// answer is given here as the gateway's executor would return it; tests/credit-report.test.ts
// runs the same through the real graph.
import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { testCaller } from '@credit-graph/subgraph-kit/testing';
import { parseAuditKeys } from '../src/audit/chain.ts';
import { useGatewayDatabase } from './support/gateway-database.ts';
import { MAX_SECTION_ITEMS } from '../src/reports/content.ts';
import { issuedAtText } from '../src/reports/layout.ts';
import { createReports } from '../src/reports/reports.ts';
import { MAX_UNBROKEN_PIECE, wrappablePieces } from '../src/reports/render-pdf.ts';
import type { InternalExecutor } from '../src/transport/internal.ts';
import { createRequestReads } from '../src/audit/policy.ts';
import { costlyOperationLimit, createMemoryStore, createRateLimiter } from '../src/trust/rate-limit.ts';

const USCC = '914101086905876455';
const OLD = parseAuditKeys(`k1:${'ab'.repeat(32)}`);
const ROTATED = parseAuditKeys(`k2:${'cd'.repeat(32)},k1:${'ab'.repeat(32)}`);
const DROPPED = parseAuditKeys(`k2:${'cd'.repeat(32)}`);

function enterprise(overrides: Record<string, unknown> = {}) {
  return {
    uscc: USCC, name: '郑州<script>alert(1)</script>有限公司', entityType: 'ENTERPRISE', legalRepresentative: '王*', registeredCapital: 500,
    establishedOn: '2010-05-01', district: { code: '410108', name: '惠济区' }, industry: 'MANUFACTURING', status: 'ACTIVE',
    address: '郑州市惠济区', businessScope: '制造',
    licenses: [],
    penalties: Array.from({ length: MAX_SECTION_ITEMS + 10 }, (_, i) => ({ decisionNumber: `郑市监罚〔2026〕${i + 1}号`, category: 'FINE', severity: 'MINOR' })),
    listEntries: [], commitments: [],
    evaluation: { grade: 'C', score: 64, baseScore: 90, evaluatedOn: '2026-12-01', factors: [{ factor: 'Published minor negative records', sector: 'registry', value: '60', weight: -3, effect: -180 }] },
    ...overrides,
  };
}

function executorOf(result: ExecutionResult): InternalExecutor {
  return async () => result;
}

const gateway = useGatewayDatabase('reports');

const reportsWith = (keys = OLD, result: ExecutionResult = { data: { enterprise: enterprise() } }) =>
  createReports({ db: gateway.db, keys, execute: executorOf(result), publicUrl: () => 'https://credit.example.gov.cn' });

describe('the signed record', () => {
  it('verifies, names the enterprise as the read subject, and fails once the stored record is edited', async () => {
    const reports = reportsWith();
    const reads = createRequestReads();
    const issued = await reports.issue(testCaller('REGULATOR', { purpose: 'SUPERVISION', institution: '11410100000001011B' }), reads, USCC);
    expect([...reads.read]).toEqual([USCC]);
    expect(issued.verificationUrl).toBe(`https://credit.example.gov.cn/reports/verify?number=${issued.number}`);
    expect(await reports.verify(issued.number, issued.verificationCode)).toMatchObject({
      status: 'AUTHENTIC', grade: 'C', issuedTo: { role: 'REGULATOR', institution: '11410100000001011B' },
    });
    // Codes are read forgivingly: lower case, spaces around.
    expect((await reports.verify(issued.number, ` ${issued.verificationCode.toLowerCase()} `)).status).toBe('AUTHENTIC');
    await gateway.db.$executeRawUnsafe(`UPDATE "CreditReport" SET grade = 'A' WHERE number = $1`, issued.number);
    expect(await reports.verify(issued.number, issued.verificationCode)).toEqual({ number: issued.number, status: 'RECORD_ALTERED', authentic: false });
  });

  it('keeps verifying after a key rotation while the old key is listed, and not once it is dropped', async () => {
    const issued = await reportsWith(OLD).issue(testCaller('ENTERPRISE', { uscc: USCC, purpose: 'SELF_QUERY' }), undefined, USCC);
    expect((await reportsWith(ROTATED).verify(issued.number, issued.verificationCode)).status).toBe('AUTHENTIC');
    expect((await reportsWith(DROPPED).verify(issued.number, issued.verificationCode)).status).toBe('RECORD_ALTERED');
    const fresh = await reportsWith(ROTATED).issue(testCaller('ENTERPRISE', { uscc: USCC, purpose: 'SELF_QUERY' }), undefined, USCC);
    expect((await reportsWith(DROPPED).verify(fresh.number, fresh.verificationCode)).status).toBe('AUTHENTIC');
  });

  it('refuses a malformed number or code with BAD_USER_INPUT', async () => {
    await expect(reportsWith().verify('CR1', 'AAAA-AAAA-AAAA')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    await expect(reportsWith().verify('CR20261201-ABCDEFGH23', 'AAAA')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('the content', () => {
  it("prints the time of issue in the city's business time zone, whatever the process's", () => {
    expect(issuedAtText(new Date('2026-11-30T22:46:00Z'), 'Asia/Shanghai')).toBe('2026-12-01 06:46:00 (GMT+8 Asia/Shanghai)');
    expect(issuedAtText(new Date('2026-11-30T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2026-11-30 23:59:59 (GMT+8 Asia/Shanghai)');
  });

  it('lists at most MAX_SECTION_ITEMS items of a section and counts the rest; escapes the page', async () => {
    const issued = await reportsWith().issue(testCaller('REGULATOR', { purpose: 'SUPERVISION' }), undefined, USCC);
    expect(issued.content.penalties.items).toHaveLength(MAX_SECTION_ITEMS);
    expect(issued.content.penalties.more).toBe(10);
    expect(issued.html).toContain('另有 10 条未列出');
    expect(issued.html).not.toContain('<script>');
    expect(issued.html).toContain('郑州&lt;script&gt;alert(1)&lt;/script&gt;有限公司');
  });

  it('says why the non-public section is left out: not asked (no purpose), or refused', async () => {
    const publicOnly = await reportsWith().issue(testCaller('DEVELOPER'), undefined, USCC);
    expect(publicOnly.content.finance).toMatchObject({ included: false, reason: expect.stringContaining('not requested') });
    const refused = new GraphQLError('no consent', { path: ['enterprise', 'finance'], extensions: { code: 'CONSENT_REQUIRED' } });
    const bank = await reportsWith(OLD, { data: { enterprise: { ...enterprise(), finance: null } }, errors: [refused] }).issue(
      testCaller('BANK', { purpose: 'LOAN_APPROVAL', scopes: ['credit:read'] }), undefined, USCC);
    expect(bank.content.finance).toEqual({ included: false, reason: 'not entitled (CONSENT_REQUIRED)' });
    expect(bank.sections).not.toContain('finance');
  });

  it('issues (and stores) no report for an unknown enterprise, nor with the evaluation missing', async () => {
    const before = await gateway.db.creditReport.count();
    await expect(reportsWith(OLD, { data: { enterprise: null } }).issue(testCaller('REGULATOR'), undefined, USCC)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const down = new GraphQLError('trade did not answer', { path: ['enterprise', 'evaluation'], extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'trade' } });
    await expect(
      reportsWith(OLD, { data: { enterprise: enterprise({ evaluation: null }) }, errors: [down] }).issue(testCaller('REGULATOR'), undefined, USCC),
    ).rejects.toMatchObject({ extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'trade' } });
    expect(await gateway.db.creditReport.count()).toBe(before);
  });

  // The answer the seeded stack's gateway gave with the registry's database stopped: the registry
  // fails (its own INTERNAL_SERVER_ERROR, named by @apollo/gateway), nothing answers the report.
  // It was issued as the gateway's own failure: HTTP 500 "Internal server error".
  it('answers SUBGRAPH_UNAVAILABLE, storing nothing, when a subgraph fails (its database stopped); a failure of its own stays INTERNAL_SERVER_ERROR', async () => {
    const before = await gateway.db.creditReport.count();
    const failed = new GraphQLError('Internal server error', { path: ['enterprise'], extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'registry' } });
    await expect(reportsWith(OLD, { data: { enterprise: null }, errors: [failed] }).issue(testCaller('REGULATOR'), undefined, USCC)).rejects.toMatchObject({
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'registry' },
    });
    const own = new GraphQLError('a bug', { path: ['enterprise'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    await expect(reportsWith(OLD, { data: { enterprise: null }, errors: [own] }).issue(testCaller('REGULATOR'), undefined, USCC)).rejects.toMatchObject({
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(await gateway.db.creditReport.count()).toBe(before);
  });
});

describe('the cost of issuing', () => {
  // A report renders a PDF (about 0.25 s of the gateway's CPU): at the ordinary 100 requests a
  // second, one signed-in caller could keep every core busy. Each caller has its own bucket.
  it('refuses a caller past its report bucket with RATE_LIMITED, before reading or rendering anything; other callers still get theirs', async () => {
    let now = 5_000_000;
    let reads = 0;
    const reports = createReports({
      db: gateway.db,
      keys: OLD,
      execute: async () => {
        reads++;
        return { data: { enterprise: enterprise() } };
      },
      publicUrl: () => 'https://credit.example.gov.cn',
      issueLimit: costlyOperationLimit(createRateLimiter({ store: createMemoryStore({ now: () => now }), capacity: 2, refillPerSecond: 1 / 30 }), 'credit reports'),
    });
    const officer = testCaller('BANK', { subject: 'report-cost-officer', institution: '91410105706810056Q' });
    await reports.issue(officer, undefined, USCC);
    await reports.issue(officer, undefined, USCC);
    const before = await gateway.db.creditReport.count();
    await expect(reports.issue(officer, undefined, USCC)).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 30 } });
    expect(reads).toBe(2);
    expect(await gateway.db.creditReport.count()).toBe(before);
    await reports.issue(testCaller('BANK', { subject: 'another-officer', institution: '91410105706810056Q' }), undefined, USCC);
    now += 30_000;
    await reports.issue(officer, undefined, USCC);
    expect(reads).toBe(4);
  });
});

describe('the PDF of hostile text', () => {
  // pdfkit wraps a word wider than the line by measuring the rest of it again after every line:
  // a long string without a space (a code, a URL, or a record written to hurt) cost time
  // quadratic in its length, on the gateway's event loop (20,000 characters: minutes).
  it('renders a 20,000-character string without a space in linear time (before: quadratic, about 19 s)', async () => {
    const long = 'W'.repeat(20_000);
    const reports = reportsWith(OLD, { data: { enterprise: enterprise({ address: long, penalties: [] }) } });
    await reports.issue(testCaller('DEVELOPER'), undefined, USCC); // fonts loaded, code warm
    const started = performance.now();
    const issued = await reports.issue(testCaller('DEVELOPER'), undefined, USCC);
    // Well under a second; the quadratic wrapping took about 19 s (50,000 characters: two minutes).
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(issued.pdf.subarray(0, 5).toString()).toBe('%PDF-');
  }, 120_000);

  it('cuts only stretches without a space, keeping every character in order', () => {
    expect(wrappablePieces('纳税信用等级 A 级，依法须经批准的项目')).toEqual(['纳税信用等级 A 级，依法须经批准的项目']);
    expect(wrappablePieces('')).toEqual(['']);
    const text = `see ${'x'.repeat(70)} and 😀${'y'.repeat(40)}`;
    const pieces = wrappablePieces(text);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) for (const word of piece.split(/\s+/)) expect([...word].length).toBeLessThanOrEqual(MAX_UNBROKEN_PIECE);
  });
});
