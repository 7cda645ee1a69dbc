// The reports' HTTP routes (gateway), beside GraphQL:
//   GET  /reports/verify?number=…&code=…   anyone: the check as an HTML page (JSON with
//                                          Accept: application/json or format=json); without
//                                          a code (the address printed on a report), a page
//                                          asking for it
//   POST /reports/verify?number=…&code=…   anyone: the same, plus a byte-for-byte check of the
//                                          document in the body (the PDF or HTML received)
//   Both take a token from the client address's rate-limit bucket (the one anonymous GraphQL
//   requests from that address take from; X-Forwarded-For as TRUSTED_PROXIES says). A POST's
//   number and code are checked before its body is read, a declared Content-Length over the
//   limit is refused unread, and the body is hashed as it streams in (never held in memory).
//   GET  /reports/<USCC>.pdf | .html       issues a report to the caller (its usual credentials)
//                                          and answers the document; x-report-number and
//                                          x-report-verification-code headers carry its number
//                                          and code. It runs the GraphQL mutation
//                                          issueCreditReport through Apollo Server, so identity,
//                                          rate limit, authorization, consent and the audit
//                                          record are exactly those of the GraphQL call.
// Errors are JSON `{ errors: [...] }` with a catalogued code and its status.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { currentRequestId, ERROR_CATALOGUE, errorBody, isCatalogued, sendJson, type RouteHandler } from '@credit-graph/contract';
import { GraphQLError } from 'graphql';
import { escapeHtml } from './render-html.ts';
import { issuedAtText } from './layout.ts';
import { MAX_VERIFIED_DOCUMENT_BYTES, verificationInput, type ReportVerification, type Reports } from './reports.ts';
import type { ClientAddress } from '../trust/client-address.ts';
import { rateLimitHeaders, rateLimitKey, type RateLimiter } from '../trust/rate-limit.ts';

export const REPORTS_PREFIX = '/reports/';
export const VERIFY_PATH = '/reports/verify';
const DOWNLOAD = /^\/reports\/([0-9A-Z]{18})\.(pdf|html)$/;

/**
 * Headers of every page or document served from the API's origin: the browser takes the type as
 * given (no sniffing), and a page runs no script, loads nothing but its inline QR code and style,
 * and cannot be framed. The values are escaped already (render-html.ts); this is the second wall.
 */
export const DOCUMENT_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
} as const;

export const ISSUE_OPERATION = `mutation IssueCreditReport($uscc: USCC!) {
  issueCreditReport(uscc: $uscc) { number verificationCode pdfBase64 html }
}`;

/** Runs ISSUE_OPERATION for this HTTP request as its caller: the GraphQL result, and the status Apollo would answer. */
export type IssueOverGraphQL = (req: IncomingMessage, uscc: string) => Promise<{ status: number; body: { data?: any; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] } }>;

function sendError(res: ServerResponse, code: keyof typeof ERROR_CATALOGUE, message: string): void {
  sendJson(res, ERROR_CATALOGUE[code].status, errorBody(code, message));
}

/**
 * The SHA-256 (hex) of the request body, read as it streams in, or undefined once it is over
 * `limit` bytes (declared or received; reading stops there). Memory: one chunk at a time.
 */
async function bodySha256(req: IncomingMessage, limit: number): Promise<{ sha256: string; bytes: number } | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return undefined;
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > limit) return undefined;
    hash.update(chunk);
  }
  return { sha256: hash.digest('hex'), bytes };
}

const STATUS_TEXT: Record<ReportVerification['status'], string> = {
  AUTHENTIC: '真实有效 Authentic: issued by this platform as shown',
  UNKNOWN_NUMBER: '无此报告 No report has this number',
  WRONG_CODE: '验证码不符 The code does not belong to this number: the report is not authentic',
  RECORD_ALTERED: '记录已被篡改 The stored record was altered: do not rely on this report',
  DOCUMENT_ALTERED: '文件已被修改 The document is not the one issued: it was altered',
};

/** The code form may submit to this origin (and only there); everything else as DOCUMENT_HEADERS. */
const FORM_CSP = { 'content-security-policy': DOCUMENT_HEADERS['content-security-policy'].replace("form-action 'none'", "form-action 'self'") };

/** The page asking for a report's verification code (GET form back to VERIFY_PATH), the number filled in (escaped). */
export function codeFormPage(number: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>报告核验 Report verification</title>
<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}label{display:block;margin:.6em 0}</style></head>
<body><h1>公共信用信息报告核验 Report verification</h1>
<p>请输入报告上印制的验证码。Enter the verification code printed on the report (or scan its QR code, which carries both).</p>
<form method="get" action="${VERIFY_PATH}">
<label>报告编号 Report number <input name="number" value="${escapeHtml(number)}" required maxlength="64"></label>
<label>验证码 Verification code <input name="code" placeholder="ABCD-EFGH-JKMN" required maxlength="64" autocomplete="off"></label>
<button type="submit">核验 Verify</button></form></body></html>\n`;
}

/** The verification page (HTML, escaped). */
export function verificationPage(result: ReportVerification): string {
  const rows: [string, string][] = [
    ['报告编号 Report number', result.number],
    ['核验结果 Result', STATUS_TEXT[result.status]],
  ];
  if (result.authentic) {
    rows.push(
      ['企业 Enterprise', `${result.enterpriseName} (${result.uscc})`],
      ['出具时间 Issued at', issuedAtText(result.issuedAt!)],
      ['出具方 Issued by', '信用郑州 Credit Zhengzhou (Credit Graph)'],
      ['查询方 Issued to', `${result.issuedTo!.role}${result.issuedTo!.institution ? ` ${result.issuedTo!.institution}` : ''}`],
      ['评价等级 Grade', `${result.grade} (${result.score})`],
      ['包含部分 Sections', result.sections!.join(', ')],
      ['内容摘要 Content digest', result.contentDigest!],
      ['PDF SHA-256', result.pdfSha256!],
      ['HTML SHA-256', result.htmlSha256!],
    );
  }
  const body = rows.map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>报告核验 Report verification</title>
<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left}table{border-collapse:collapse}</style></head>
<body><h1>公共信用信息报告核验 Report verification</h1><table>${body}</table></body></html>\n`;
}

export interface ReportRoutesOptions {
  /** The verification's rate limit: the gateway's limiter, keyed by the client's address. */
  rateLimit?: {
    limiter: RateLimiter;
    clientAddress: ClientAddress;
    /** Told when the limiter's store fails (the check is then let through, as GraphQL requests are). */
    onStoreError?: (error: Error) => void;
  };
}

/**
 * The routes. `issue` runs the GraphQL mutation for a download (see app.ts); `reports.verify`
 * answers the checks. Verify errors: 400 BAD_REQUEST (method, empty POST), 400 BAD_USER_INPUT
 * (malformed number or code), 413 PAYLOAD_TOO_LARGE (a document over
 * MAX_VERIFIED_DOCUMENT_BYTES), 429 RATE_LIMITED with Retry-After.
 */
export function createReportRoutes(reports: Reports, issue: IssueOverGraphQL, options: ReportRoutesOptions = {}): { routes: Record<string, RouteHandler>; prefixRoutes: Record<string, RouteHandler> } {
  /** False when the request was refused (answered here); the RateLimit fields are set either way. */
  async function withinRateLimit(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const limit = options.rateLimit;
    if (!limit) return true;
    let result;
    try {
      result = await limit.limiter.take(rateLimitKey({ clientAddress: limit.clientAddress(req) }));
    } catch (error) {
      limit.onStoreError?.(error as Error);
      return true;
    }
    for (const [name, value] of Object.entries(rateLimitHeaders(limit.limiter, result))) res.setHeader(name, value);
    if (result.allowed) return true;
    res.setHeader('retry-after', String(result.retryAfterSeconds));
    sendError(res, 'RATE_LIMITED', `Rate limit of ${limit.limiter.refillPerSecond} requests per second (bursts of ${limit.limiter.capacity}) exceeded; retry in ${result.retryAfterSeconds} s`);
    return false;
  }

  const verify: RouteHandler = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'POST') return sendError(res, 'BAD_REQUEST', 'Verify a report with GET (number, code) or POST (number, code, and the document as the body)');
    if (!(await withinRateLimit(req, res))) return;
    const number = (url.searchParams.get('number') ?? '').slice(0, 64);
    const code = (url.searchParams.get('code') ?? '').slice(0, 64);
    const wantsJson = url.searchParams.get('format') === 'json' || (req.headers.accept ?? '').includes('application/json');
    // The address printed on a report names its number only: a reader is asked for the code.
    if (req.method === 'GET' && code === '' && !wantsJson) {
      const page = codeFormPage(number);
      res.writeHead(200, { ...DOCUMENT_HEADERS, ...FORM_CSP, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page), 'cache-control': 'no-store' });
      res.end(page);
      return;
    }
    let result: ReportVerification;
    try {
      // Malformed input is refused before a document is read.
      verificationInput(number, code);
      let document: { sha256: string } | undefined;
      if (req.method === 'POST') {
        const body = await bodySha256(req, MAX_VERIFIED_DOCUMENT_BYTES);
        if (!body) {
          res.setHeader('connection', 'close');
          return sendError(res, 'PAYLOAD_TOO_LARGE', `A report to check is at most ${MAX_VERIFIED_DOCUMENT_BYTES} bytes`);
        }
        if (body.bytes === 0) return sendError(res, 'BAD_REQUEST', 'POST the report (PDF or HTML) as the body, or use GET to check the number and code only');
        document = { sha256: body.sha256 };
      }
      result = await reports.verify(number, code, document);
    } catch (error) {
      if (error instanceof GraphQLError && isCatalogued(error.extensions.code)) return sendError(res, error.extensions.code, error.message);
      throw error;
    }
    res.setHeader('cache-control', 'no-store');
    if (wantsJson) return sendJson(res, 200, result);
    const page = verificationPage(result);
    res.writeHead(200, { ...DOCUMENT_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
    res.end(page);
  };

  const download: RouteHandler = async (req, res) => {
    const match = DOWNLOAD.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!match) return sendError(res, 'NOT_FOUND', `No route; reports are at ${REPORTS_PREFIX}<USCC>.pdf or .html, verified at ${VERIFY_PATH}`);
    if (req.method !== 'GET') return sendError(res, 'BAD_REQUEST', 'Download a report with GET');
    const { status, body } = await issue(req, match[1]!);
    const report = body.data?.issueCreditReport as { number: string; verificationCode: string; pdfBase64: string; html: string } | undefined;
    if (!report) {
      const first = body.errors?.[0];
      const code = isCatalogued(first?.extensions?.code) ? first!.extensions!.code : 'INTERNAL_SERVER_ERROR';
      const requestId = currentRequestId();
      // No document to send: a sector down (SUBGRAPH_UNAVAILABLE, 200 in GraphQL) is 503 here.
      const httpStatus = status >= 400 ? status : code === 'SUBGRAPH_UNAVAILABLE' ? 503 : Math.max(ERROR_CATALOGUE[code].status, 500);
      // Past the caller's report bucket: when to come back, as every 429 of the gateway says.
      const retryAfter = first?.extensions?.retryAfterSeconds;
      if (code === 'RATE_LIMITED' && Number.isInteger(retryAfter)) res.setHeader('retry-after', String(retryAfter));
      return sendJson(res, httpStatus, {
        errors: (body.errors ?? []).map((e) => ({ message: e.message, extensions: { ...e.extensions, ...(requestId ? { requestId } : {}) } })),
      });
    }
    const pdf = match[2] === 'pdf';
    const bytes = pdf ? Buffer.from(report.pdfBase64, 'base64') : Buffer.from(report.html, 'utf8');
    res.writeHead(200, {
      ...DOCUMENT_HEADERS,
      'content-type': pdf ? 'application/pdf' : 'text/html; charset=utf-8',
      'content-length': bytes.length,
      'content-disposition': `${pdf ? 'attachment' : 'inline'}; filename="${report.number}.${match[2]}"`,
      'cache-control': 'no-store',
      'x-report-number': report.number,
      'x-report-verification-code': report.verificationCode,
    });
    res.end(bytes);
  };

  return { routes: { [VERIFY_PATH]: verify }, prefixRoutes: { [REPORTS_PREFIX]: download } };
}
