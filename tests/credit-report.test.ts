// The public credit report (issue 12 §6): issued as the caller from the graph, rendered as a
// PDF with an embedded Chinese font and as an HTML page, carrying a number, the time of issue, a
// QR code and a verification code; verifiable by anyone by number and code; issuing is audited.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeUscc } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const base = gatewayUrl.replace(/\/graphql$/, '');
const universe = seedUniverse(enterprises);
const risky = universe[SHOWCASE.RISKY_SUPPLIER]!;
const folder = mkdtempSync(path.join(tmpdir(), 'credit-report-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const ISSUE = `mutation IssueCreditReport($u: USCC!) {
  issueCreditReport(uscc: $u) { number verificationCode issuedAt uscc grade score sections contentDigest verificationUrl pdfBase64 html enterprise { name } }
}`;
const GRAPH = `query ($u: USCC!) { enterprise(uscc: $u) {
  uscc name district { name } penalties { decisionNumber authority } listEntries { listType authority legalBasis }
  evaluation { grade score factors { factor } }
} }`;
const VERIFY = 'query ($n: String!, $c: String!) { creditReportVerification(number: $n, code: $c) { status authentic uscc enterpriseName issuedToRole issuedToInstitution grade score sections contentDigest pdfSha256 } }';

interface Issued {
  number: string; verificationCode: string; issuedAt: string; uscc: string; grade: string; score: number; sections: string[];
  contentDigest: string; verificationUrl: string; pdfBase64: string; html: string; enterprise: { name: string };
}

/** The text pdftotext extracts (poppler-utils), whitespace runs collapsed. */
function pdfText(pdf: Buffer): string {
  const file = path.join(folder, `r-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

let self: Issued;
let graph: any;

beforeAll(async () => {
  const headers = await headersFor('ENTERPRISE', undefined, { uscc: risky.uscc });
  const issued = await graphql(gatewayUrl, ISSUE, { u: risky.uscc }, headers);
  expect(issued.errors).toBeUndefined();
  self = issued.data.issueCreditReport;
  const read = await graphql(gatewayUrl, GRAPH, { u: risky.uscc });
  expect(read.errors).toBeUndefined();
  graph = read.data.enterprise;
});

describe('the report says what the graph says', () => {
  it('carries a number, a verification code and the sections, the finance one for the enterprise itself', () => {
    expect(self.number).toMatch(/^CR\d{8}-[2-9A-HJKMNP-Z]{10}$/);
    expect(self.verificationCode).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(self.sections).toEqual(['registration', 'licenses', 'penalties', 'lists', 'commitments', 'evaluation', 'finance']);
    expect(self).toMatchObject({ uscc: risky.uscc, grade: graph.evaluation.grade, score: graph.evaluation.score, enterprise: { name: graph.name } });
    expect(self.verificationUrl).toBe(`${base}/reports/verify?number=${self.number}`);
  });

  it('prints in the PDF (text extracted) the Chinese name, code, grade, penalties, list entries and factors of the graph', () => {
    const pdf = Buffer.from(self.pdfBase64, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('公共信用信息报告');
    expect(text).toContain(graph.name); // e.g. 郑州鑫源包装制品有限公司
    expect(text).toContain(graph.district.name);
    expect(text).toContain(risky.uscc);
    expect(text).toContain(self.number);
    expect(text).toContain(self.verificationCode);
    expect(text).toContain(`评价等级 Grade：${graph.evaluation.grade}`);
    expect(text).toContain(`评价得分 Score：${graph.evaluation.score}`);
    expect(graph.penalties.length).toBeGreaterThan(0);
    for (const penalty of graph.penalties) expect(text).toContain(penalty.decisionNumber);
    expect(graph.listEntries.length).toBeGreaterThan(0);
    for (const entry of graph.listEntries) expect(text).toContain(entry.authority);
    for (const factor of graph.evaluation.factors) expect(text).toContain(factor.factor.replace(/\s+/g, ' '));
    expect(text).toContain('七、非公开信息（经授权）');
    expect(text).toContain('纳税信用等级');
  });

  it('embeds its fonts (pdffonts: every font embedded, subset), and stays small', () => {
    const file = path.join(folder, 'fonts.pdf');
    const pdf = Buffer.from(self.pdfBase64, 'base64');
    writeFileSync(file, pdf);
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    // columns: name type encoding emb sub uni object ID
    for (const line of fonts) expect(line).toMatch(/\byes\s+yes\s+yes\b/);
    expect(pdf.length).toBeLessThan(1024 * 1024);
  });

  it('renders a first page that is not blank (pdftoppm)', () => {
    const file = path.join(folder, 'page.pdf');
    writeFileSync(file, Buffer.from(self.pdfBase64, 'base64'));
    execFileSync('pdftoppm', ['-f', '1', '-l', '1', '-r', '40', '-gray', file, path.join(folder, 'page')]);
    const image = readFileSync(path.join(folder, 'page-1.pgm'));
    // P5 <width> <height> <max>\n<bytes>
    const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(image.subarray(0, 40).toString('latin1'))!;
    const pixels = image.subarray(header[0].length);
    expect(pixels.length).toBe(Number(header[1]) * Number(header[2]));
    const dark = pixels.filter((value) => value < 128).length;
    expect(dark / pixels.length).toBeGreaterThan(0.01);
  });

  it('serves the same sections as an HTML page, values escaped, with the QR code inline', async () => {
    expect(self.html).toContain(graph.name);
    expect(self.html).toContain(self.number);
    expect(self.html).toContain(self.verificationCode);
    expect(self.html).toMatch(/<img alt="QR code[^>]+src="data:image\/png;base64,/);
    for (const penalty of graph.penalties) expect(self.html).toContain(penalty.decisionNumber);
    expect(self.html).not.toMatch(/<script/i);
    const response = await fetch(`${base}/reports/${risky.uscc}.html`, { headers: await headersFor('ENTERPRISE', undefined, { uscc: risky.uscc }) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const number = response.headers.get('x-report-number')!;
    expect(number).toMatch(/^CR\d{8}-/);
    expect(number).not.toBe(self.number); // each download is a new report
    const page = await response.text();
    expect(page).toContain(graph.name);
    expect(page).toContain(number);
  });
});

describe('anyone verifies a report by number and code', () => {
  it('finds it authentic with the right code: by whom for whom, what it said', async () => {
    const result = await graphql(gatewayUrl, VERIFY, { n: self.number, c: self.verificationCode });
    expect(result.errors).toBeUndefined();
    expect(result.data.creditReportVerification).toMatchObject({
      status: 'AUTHENTIC', authentic: true, uscc: risky.uscc, enterpriseName: graph.name, issuedToRole: 'ENTERPRISE',
      grade: self.grade, score: self.score, sections: self.sections, contentDigest: self.contentDigest,
    });
    const page = await (await fetch(`${base}/reports/verify?number=${self.number}&code=${self.verificationCode}`)).text();
    expect(page).toContain('真实有效');
    expect(page).toContain(graph.name);
  });

  it('refuses a wrong code, and an unknown number', async () => {
    const wrong = self.verificationCode.startsWith('A') ? `B${self.verificationCode.slice(1)}` : `A${self.verificationCode.slice(1)}`;
    const result = await graphql(gatewayUrl, VERIFY, { n: self.number, c: wrong });
    expect(result.data.creditReportVerification).toEqual(expect.objectContaining({ status: 'WRONG_CODE', authentic: false, uscc: null, enterpriseName: null }));
    const unknown = `${self.number.slice(0, -1)}${self.number.endsWith('A') ? 'B' : 'A'}`;
    expect((await graphql(gatewayUrl, VERIFY, { n: unknown, c: self.verificationCode })).data.creditReportVerification.status).toBe('UNKNOWN_NUMBER');
  });

  it('checks a document byte for byte: the issued PDF passes, an altered one fails', async () => {
    const pdf = Buffer.from(self.pdfBase64, 'base64');
    const url = `${base}/reports/verify?number=${self.number}&code=${self.verificationCode}&format=json`;
    const good = await (await fetch(url, { method: 'POST', body: pdf })).json();
    expect(good).toMatchObject({ status: 'AUTHENTIC', authentic: true });
    // The page edited by hand (the name changed): not the document issued.
    const altered = Buffer.from(self.html.replace(graph.name, `${graph.name}（已修复）`));
    const bad = await (await fetch(url, { method: 'POST', body: altered })).json();
    expect(bad).toMatchObject({ status: 'DOCUMENT_ALTERED', authentic: false });
    expect((await (await fetch(url, { method: 'POST', body: Buffer.from(self.html) })).json()).status).toBe('AUTHENTIC');
    const flipped = Buffer.from(pdf);
    flipped[flipped.length >> 1]! ^= 0x01;
    expect((await (await fetch(url, { method: 'POST', body: flipped })).json()).status).toBe('DOCUMENT_ALTERED');
  });

  it('answers malformed input with BAD_USER_INPUT (400), never a crash', async () => {
    const response = await fetch(`${base}/reports/verify?number=${'x'.repeat(5000)}&code=1`);
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const result = await graphql(gatewayUrl, VERIFY, { n: 'CR2026', c: 'AAAA-AAAA-AAAA' });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('who may issue, and the record it leaves', () => {
  it('refuses an anonymous caller (UNAUTHENTICATED) and an unregistered code (BAD_USER_INPUT)', async () => {
    const anonymous = await graphql(gatewayUrl, ISSUE, { u: risky.uscc });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const download = await fetch(`${base}/reports/${risky.uscc}.pdf`);
    expect(download.status).toBe(401);
    const unknown = makeUscc('91', '410105', '99999991');
    const result = await graphql(gatewayUrl, ISSUE, { u: unknown }, await headersFor('REGULATOR', 'SUPERVISION'));
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  // The public sections are for anyone signed in: a caller that may not ask for the finance
  // section (no credit:read, or no purpose) still gets them, with the graph's evaluation.
  // (The report's read once put finance under @include(if: false): the query planner then
  // skipped the evaluation's @requires fetch too, and every such caller got a 503.)
  it.each([
    ['a developer', () => headersFor('DEVELOPER')],
    ['an agency (no credit:read)', () => headersFor('AGENCY', 'GOVERNMENT_PROCUREMENT')],
    ['a regulator without a declared purpose', () => headersFor('REGULATOR')],
  ])('issues the public sections to %s, the evaluation as the graph gives it', async (_, headers) => {
    const result = await graphql(gatewayUrl, ISSUE, { u: risky.uscc }, await headers());
    expect(result.errors).toBeUndefined();
    const report = result.data.issueCreditReport as Issued;
    expect(report.sections).toEqual(['registration', 'licenses', 'penalties', 'lists', 'commitments', 'evaluation']);
    expect(report).toMatchObject({ grade: graph.evaluation.grade, score: graph.evaluation.score });
    const download = await fetch(`${base}/reports/${risky.uscc}.pdf`, { headers: await headers() });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('leaves out the finance section for a bank without consent, and says why', async () => {
    const headers = await headersFor('BANK', 'LOAN_APPROVAL', { sub: 'credit-report-bank', institution: makeUscc('91', '410105', '70699001') });
    const result = await graphql(gatewayUrl, ISSUE, { u: risky.uscc }, headers);
    expect(result.errors).toBeUndefined();
    const report = result.data.issueCreditReport as Issued;
    expect(report.sections).not.toContain('finance');
    expect(pdfText(Buffer.from(report.pdfBase64, 'base64'))).toContain('not entitled (CONSENT_REQUIRED)');
  });

  it('includes the finance section for a bank the enterprise consented to, as the graph shows it to that bank', async () => {
    const bank = makeUscc('91', '410105', '70699003');
    const granted = await graphql(
      gatewayUrl,
      'mutation ($b: USCC!) { grantConsent(institution: $b, purpose: LOAN_APPROVAL, validForDays: 1) { id } }',
      { b: bank },
      await headersFor('ENTERPRISE', undefined, { uscc: risky.uscc }),
    );
    expect(granted.errors).toBeUndefined();
    const headers = await headersFor('BANK', 'LOAN_APPROVAL', { sub: 'credit-report-consented-bank', institution: bank });
    const result = await graphql(gatewayUrl, ISSUE, { u: risky.uscc }, headers);
    expect(result.errors).toBeUndefined();
    expect(result.data.issueCreditReport.sections).toContain('finance');
    const finance = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { finance { currentTaxCreditLevel } } }', { u: risky.uscc }, headers);
    expect(finance.errors).toBeUndefined();
    const text = pdfText(Buffer.from(result.data.issueCreditReport.pdfBase64, 'base64'));
    expect(text).toContain(`纳税信用等级 Tax credit level：${finance.data.enterprise.finance.currentTaxCreditLevel ?? '—'}`);
  });

  it('issues an agency the public sections (no finance: an agency holds no credit:read), verifiable as issued to the agency', async () => {
    const institution = makeUscc('11', '410100', '70699004');
    const headers = await headersFor('AGENCY', 'GOVERNMENT_PROCUREMENT', { sub: 'credit-report-agency', institution });
    const result = await graphql(gatewayUrl, ISSUE, { u: risky.uscc }, headers);
    expect(result.errors).toBeUndefined();
    const report = result.data.issueCreditReport as Issued;
    expect(report.sections).toEqual(['registration', 'licenses', 'penalties', 'lists', 'commitments', 'evaluation']);
    expect(report).toMatchObject({ uscc: risky.uscc, grade: graph.evaluation.grade, score: graph.evaluation.score });
    const text = pdfText(Buffer.from(report.pdfBase64, 'base64'));
    expect(text).toContain(graph.name);
    expect(text).toContain('not requested');
    const verified = await graphql(gatewayUrl, VERIFY, { n: report.number, c: report.verificationCode });
    expect(verified.errors).toBeUndefined();
    expect(verified.data.creditReportVerification).toMatchObject({ authentic: true, issuedToRole: 'AGENCY', issuedToInstitution: institution, grade: graph.evaluation.grade });
  });

  it('puts each issue on the audit record with exactly the enterprise as subject; the enterprise sees it', async () => {
    const sub = `credit-report-officer-${Date.now()}`;
    const headers = await headersFor('BANK', 'LOAN_APPROVAL', { sub, institution: makeUscc('91', '410105', '70699002') });
    const issued = await graphql(gatewayUrl, ISSUE, { u: risky.uscc }, headers);
    expect(issued.errors).toBeUndefined();
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const records = await graphql(
      gatewayUrl,
      'query ($s: String!) { auditRecords(filter: { subject: $s }, first: 5) { edges { node { operationName subjects outcome institution } } } }',
      { s: sub },
      regulator,
    );
    expect(records.errors).toBeUndefined();
    expect(records.data.auditRecords.edges.map((e: any) => e.node)).toEqual([
      { operationName: 'IssueCreditReport', subjects: [risky.uscc], outcome: 'ok', institution: makeUscc('91', '410105', '70699002') },
    ]);
    const mine = await graphql(gatewayUrl, '{ myQueryRecords(first: 50) { edges { node { institution operationName } } } }', {}, await headersFor('ENTERPRISE', undefined, { uscc: risky.uscc }));
    expect(mine.data.myQueryRecords.edges.map((e: any) => e.node)).toContainEqual({ institution: makeUscc('91', '410105', '70699002'), operationName: 'IssueCreditReport' });
  });
});
