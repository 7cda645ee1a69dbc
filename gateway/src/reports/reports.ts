// Issued public credit reports (公共信用信息报告) and their verification. A report is composed
// from the graph at the moment of issue, as the caller (content.ts), rendered as a PDF and an
// HTML page, and given a number and a verification code; the gateway keeps only a signed record
// of it (who issued it for whom, when, the SHA-256 digests of its content and of both
// documents), never the data. Anyone can verify a report by number and code (信用中国 does the
// same): authentic or not, by whom for whom, and what it said (its digests and headline figures).
//
// Signing reuses the audit chain's keys (AUDIT_HMAC_KEYS, chain.ts): one secret kept outside
// the database. The verification code is an HMAC of the number and the content digest, so it
// cannot be made up without the key; the record's MAC covers every stored field, so a record
// edited in the database fails verification (reason RECORD_ALTERED). Records are chained signed
// records (audit/signed-records.ts): each MAC also covers the previous record's, so a record
// deleted from the table is found by `credit-graph audit verify`.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { businessToday, clock, creditGraphError, type Caller } from '@credit-graph/contract';
import { canonicalJSON, sameText, type AuditKeys } from '../audit/chain.ts';
import type { Checkpoints } from '../audit/checkpoints.ts';
import { createSignedRecords, type SignedTable } from '../audit/signed-records.ts';
import type { GatewayDb } from '../database.ts';
import type { CreditReport } from '../generated/prisma/client.ts';
import type { RequestReads } from '../audit/policy.ts';
import type { InternalExecutor } from '../transport/internal.ts';
import { asksForNonPublic, composeReport, REPORT_QUERY, type ReportContent } from './content.ts';
import type { ReportMeta } from './layout.ts';
import { renderReportHtml } from './render-html.ts';
import { renderReportPdf } from './render-pdf.ts';
import type { CostlyOperationLimit } from '../trust/rate-limit.ts';

/** Number alphabet and code alphabet: no 0/O, 1/I/L, so a number read aloud or typed is unambiguous. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** A report number: CR, the issue day (Zhengzhou), a dash, 10 random characters. */
export const REPORT_NUMBER_PATTERN = /^CR\d{8}-[2-9A-HJKMNP-Z]{10}$/;
/** A verification code: 12 characters in three groups of four. */
export const VERIFICATION_CODE_PATTERN = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;
/** The largest document accepted for a byte-for-byte check (PDF or HTML). */
export const MAX_VERIFIED_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** An issued report: what the caller gets back. */
export interface IssuedReport {
  number: string;
  verificationCode: string;
  issuedAt: Date;
  uscc: string;
  content: ReportContent;
  contentDigest: string;
  /** The sections it carries (finance only when included). */
  sections: string[];
  pdf: Buffer;
  html: string;
  verificationUrl: string;
}

export type ReportVerificationStatus = 'AUTHENTIC' | 'UNKNOWN_NUMBER' | 'WRONG_CODE' | 'RECORD_ALTERED' | 'DOCUMENT_ALTERED';

/** What a verifier learns: authentic or why not; the record only when authentic. */
export interface ReportVerification {
  number: string;
  status: ReportVerificationStatus;
  authentic: boolean;
  issuedAt?: Date;
  uscc?: string;
  enterpriseName?: string;
  issuedTo?: { role: string; institution: string | null };
  grade?: string;
  score?: number;
  sections?: string[];
  contentDigest?: string;
  pdfSha256?: string;
  htmlSha256?: string;
}

export interface ReportsOptions {
  db: GatewayDb;
  keys: AuditKeys;
  /** Runs a graph read as the given caller, its reads collected into `reads` (transport/internal.ts). */
  execute: InternalExecutor;
  /** The public base of the verification URL printed on reports (e.g. https://credit.example.gov.cn), read at each issue. */
  publicUrl: () => string;
  /** Where the chain's head is checkpointed (checkpointsOfChain(..., REPORT_CHAIN.chain)); none: deleting the newest goes unseen. */
  checkpoints?: Checkpoints;
  /** Each caller's bucket of report issues (config reportRateLimit), taken before anything is read or rendered; none: unlimited here. */
  issueLimit?: CostlyOperationLimit;
}

function randomChars(count: number): string {
  const bytes = randomBytes(count);
  return [...bytes].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The verification code of report `number` with content digest `digest`, under `key`. */
export function verificationCode(key: Buffer, number: string, digest: string): string {
  const mac = createHmac('sha256', key).update(`credit-graph report code\n${number}\n${digest}`).digest();
  const chars = [...mac.subarray(0, 12)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

/** The signed content of a stored record (every column but the chain's; keyId included). */
interface StoredFields {
  number: string;
  uscc: string;
  enterpriseName: string;
  issuedAt: string;
  issuerSubject: string;
  issuerRole: string;
  issuerInstitution: string | null;
  purpose: string | null;
  grade: string;
  score: number;
  sections: string[];
  contentDigest: string;
  pdfSha256: string;
  htmlSha256: string;
  keyId: string;
}

/** The stored record's signed content, as it was signed. */
function storedFields(row: CreditReport): StoredFields {
  return {
    number: row.number,
    uscc: row.uscc,
    enterpriseName: row.enterpriseName,
    issuedAt: row.issuedAt.toISOString(),
    issuerSubject: row.issuerSubject,
    issuerRole: row.issuerRole,
    issuerInstitution: row.issuerInstitution,
    purpose: row.purpose,
    grade: row.grade,
    score: row.score,
    sections: row.sections,
    contentDigest: row.contentDigest,
    pdfSha256: row.pdfSha256,
    htmlSha256: row.htmlSha256,
    keyId: row.keyId,
  };
}

/** The chain of issued reports' records (audit/signed-records.ts): `credit-graph audit verify` walks it. */
export const REPORT_CHAIN: SignedTable<CreditReport> = {
  chain: 'credit-report',
  table: 'CreditReport',
  // The MAC domain the records were signed under before chaining (chain.ts recordMac).
  domain: 'report record',
  lockKey: 7_236_003,
  signedFields: storedFields,
  page: (db, afterSeq, take) => db.creditReport.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take }),
};

/**
 * A report check's number and code, checked before anything is read (the HTTP route calls it
 * before it reads a document). Out: the number, and the code trimmed and upper-cased (a code is
 * typed from paper). Throws BAD_USER_INPUT naming the argument for a malformed one.
 */
export function verificationInput(number: string, code: string): { number: string; code: string } {
  if (!REPORT_NUMBER_PATTERN.test(number)) {
    throw creditGraphError('BAD_USER_INPUT', 'A report number looks like CR20261201-ABCDEFGH23 (CR, the issue day, 10 characters)', { argumentName: 'number' });
  }
  const normalized = code.trim().toUpperCase();
  if (!VERIFICATION_CODE_PATTERN.test(normalized)) {
    throw creditGraphError('BAD_USER_INPUT', 'A verification code is 12 characters in three groups of four, e.g. ABCD-EFGH-JKMN', { argumentName: 'code' });
  }
  return { number, code: normalized };
}

/**
 * The reports service. `issue(caller, reads, uscc)` composes, renders, stores the signed record
 * and returns the report (errors: RATE_LIMITED past the caller's report bucket, BAD_USER_INPUT
 * for an unknown enterprise, SUBGRAPH_UNAVAILABLE when a section cannot be read now); the enterprise is added to `reads`, so the issue is on the
 * audit record under it. `verify(number, code, document?)` never throws for a bad number or
 * code: it answers with the status (BAD_USER_INPUT only for malformed input). The document is
 * its bytes, or its SHA-256 (hex) when the caller hashed it as it streamed in. `chain.verify()`
 * walks the whole chain of issued records against its checkpoints.
 */
export function createReports({ db, keys, execute, publicUrl, checkpoints, issueLimit }: ReportsOptions) {
  const verificationUrl = (number: string) => `${publicUrl().replace(/\/+$/, '')}/reports/verify?number=${encodeURIComponent(number)}`;
  const chain = createSignedRecords({ db, keys, table: REPORT_CHAIN, checkpoints });

  return {
    verificationUrl,
    chain,

    async issue(caller: Caller, reads: RequestReads | undefined, uscc: string): Promise<IssuedReport> {
      await issueLimit?.take(caller);
      const withFinance = asksForNonPublic(caller);
      const result = await execute(REPORT_QUERY, { uscc, withFinance }, { caller, reads });
      const content = composeReport(uscc, result, withFinance);
      const issuedAt = clock().now();
      const number = `CR${businessToday().toISOString().slice(0, 10).replaceAll('-', '')}-${randomChars(10)}`;
      const contentDigest = sha256(canonicalJSON(content));
      const key = keys.keys.get(keys.currentId)!;
      const code = verificationCode(key, number, contentDigest);
      // The QR code carries the number and the code: scanning it verifies the report at once.
      const { default: QRCode } = await import('qrcode');
      const qrPng = await QRCode.toBuffer(`${verificationUrl(number)}&code=${encodeURIComponent(code)}`, { type: 'png', errorCorrectionLevel: 'M', margin: 1, width: 240 });
      const meta: ReportMeta = { number, verificationCode: code, issuedAt, contentDigest, verificationUrl: verificationUrl(number), issuedTo: caller, qrPng };
      const html = renderReportHtml(content, meta);
      const pdf = await renderReportPdf(content, meta);
      const fields: Omit<StoredFields, 'keyId'> = {
        number,
        uscc,
        enterpriseName: content.registration.name,
        issuedAt: issuedAt.toISOString(),
        issuerSubject: caller.subject,
        issuerRole: caller.role,
        issuerInstitution: caller.institution ?? null,
        purpose: caller.purpose ?? null,
        grade: content.evaluation.grade,
        score: content.evaluation.score,
        sections: sectionsOf(content),
        contentDigest,
        pdfSha256: sha256(pdf),
        htmlSha256: sha256(html),
      };
      await chain.append(fields, (tx, link) => tx.creditReport.create({ data: { ...fields, issuedAt, ...link } }));
      // Issuing is a read of the enterprise's credit data, on record under it (audit/policy.ts).
      reads?.read.add(uscc);
      return { number, verificationCode: code, issuedAt, uscc, content, contentDigest, sections: fields.sections, pdf, html, verificationUrl: meta.verificationUrl };
    },

    async verify(number: string, code: string, document?: Buffer | { sha256: string }): Promise<ReportVerification> {
      const normalized = verificationInput(number, code).code;
      if (Buffer.isBuffer(document) && document.length > MAX_VERIFIED_DOCUMENT_BYTES) {
        throw creditGraphError('PAYLOAD_TOO_LARGE', `A report to check is at most ${MAX_VERIFIED_DOCUMENT_BYTES} bytes`);
      }
      const row = await db.creditReport.findUnique({ where: { number } });
      if (!row) return { number, status: 'UNKNOWN_NUMBER', authentic: false };
      // A record whose key is not listed, or no longer exactly as signed, proves nothing.
      const key = keys.keys.get(row.keyId);
      if (!key || !chain.isIntact(row)) return { number, status: 'RECORD_ALTERED', authentic: false };
      if (!sameText(verificationCode(key, number, row.contentDigest), normalized)) return { number, status: 'WRONG_CODE', authentic: false };
      if (document) {
        const digest = Buffer.isBuffer(document) ? sha256(document) : document.sha256;
        if (digest !== row.pdfSha256 && digest !== row.htmlSha256) return { number, status: 'DOCUMENT_ALTERED', authentic: false };
      }
      return {
        number,
        status: 'AUTHENTIC',
        authentic: true,
        issuedAt: row.issuedAt,
        uscc: row.uscc,
        enterpriseName: row.enterpriseName,
        issuedTo: { role: row.issuerRole, institution: row.issuerInstitution },
        grade: row.grade,
        score: row.score,
        sections: row.sections,
        contentDigest: row.contentDigest,
        pdfSha256: row.pdfSha256,
        htmlSha256: row.htmlSha256,
      };
    },
  };
}

export type Reports = ReturnType<typeof createReports>;

/** The sections a report carries (the finance section only when it was included). */
function sectionsOf(content: ReportContent): string[] {
  return ['registration', 'licenses', 'penalties', 'lists', 'commitments', 'evaluation', ...(content.finance.included ? ['finance'] : [])];
}
