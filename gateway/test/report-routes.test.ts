// The public report check over HTTP (GET/POST /reports/verify) as a hostile client meets it: it
// is rate-limited by the client's address, refuses malformed input before reading a document,
// refuses a declared oversized body unread, and hashes the document as it streams in. The
// reports service is a stand-in here: reports.test.ts and tests/credit-report.test.ts cover it.
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reports } from '../src/reports/reports.ts';
import { MAX_VERIFIED_DOCUMENT_BYTES } from '../src/reports/reports.ts';
import { createReportRoutes, VERIFY_PATH } from '../src/reports/routes.ts';
import { createMemoryStore, createRateLimiter } from '../src/trust/rate-limit.ts';

const NUMBER = 'CR20261201-ABCDEFGH23';
const CODE = 'ABCD-EFGH-JKMN';

const checked: { number: string; code: string; document?: unknown }[] = [];
const reports = {
  async verify(number: string, code: string, document?: unknown) {
    checked.push({ number, code, document });
    return { number, status: 'UNKNOWN_NUMBER', authentic: false };
  },
} as unknown as Reports;

let now = 0;
const limiter = createRateLimiter({ store: createMemoryStore({ now: () => now }), capacity: 3, refillPerSecond: 1 });
let server: Server;
let port: number;

beforeAll(async () => {
  const { routes } = createReportRoutes(reports, async () => ({ status: 500, body: {} }), {
    // The address the test names in a header stands for the client's address.
    rateLimit: { limiter, clientAddress: (req) => String(req.headers['x-test-client']) },
  });
  server = createServer((req, res) => void routes[VERIFY_PATH]!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/**
 * Sends the headers and `first` bytes of a POST whose body never ends, and resolves with the
 * status of the answer: a route that waited for the whole body would never answer.
 */
function answerBeforeBodyEnds(query: string, headers: Record<string, string | number>, first: Buffer): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `${VERIFY_PATH}?${query}`, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode!, body: JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => reject(new Error('no answer while the body was still open')));
    req.write(first);
  });
}

describe('the public report check', () => {
  it('refuses a malformed number or code before reading the document', async () => {
    const answer = await answerBeforeBodyEnds(`number=nonsense&code=${CODE}`, { 'x-test-client': '198.51.100.1' }, Buffer.alloc(64 * 1024));
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const answer = await answerBeforeBodyEnds(
      `number=${NUMBER}&code=${CODE}`,
      { 'x-test-client': '198.51.100.2', 'content-length': MAX_VERIFIED_DOCUMENT_BYTES + 1 },
      Buffer.alloc(1024),
    );
    expect(answer.status).toBe(413);
    expect(answer.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('checks the document by its SHA-256, hashed as it streams in', async () => {
    checked.length = 0;
    const document = Buffer.from('%PDF-1.7 a report');
    const response = await fetch(`http://127.0.0.1:${port}${VERIFY_PATH}?number=${NUMBER}&code=${CODE}&format=json`, {
      method: 'POST',
      headers: { 'x-test-client': '198.51.100.3' },
      body: document,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(checked).toEqual([{ number: NUMBER, code: CODE, document: { sha256: createHash('sha256').update(document).digest('hex') } }]);
  });

  it("rate-limits each client address on its own bucket: 429 RATE_LIMITED with Retry-After, another address unaffected", async () => {
    now = 1_000_000;
    const get = (client: string) => fetch(`http://127.0.0.1:${port}${VERIFY_PATH}?number=${NUMBER}&code=${CODE}`, { headers: { 'x-test-client': client } });
    for (let i = 0; i < 3; i++) expect((await get('203.0.113.9')).status).toBe(200);
    const refused = await get('203.0.113.9');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit')).toBe('"caller";r=0;t=3');
    expect((await refused.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
    expect((await get('203.0.113.10')).status).toBe(200);
    now += 1_000;
    expect((await get('203.0.113.9')).status).toBe(200);
  });
});

describe('pages served from the API origin', () => {
  // Enterprise data is escaped in the pages (reports.test.ts); if an escape were ever missed, the
  // page must still run nothing: no script, no sniffing, no framing.
  it('come with nosniff and a content security policy that allows no script', async () => {
    const { routes, prefixRoutes } = createReportRoutes(reports, async () => ({
      status: 200,
      body: { data: { issueCreditReport: { number: NUMBER, verificationCode: CODE, pdfBase64: '', html: '<!doctype html><p>report</p>' } } },
    }));
    const pages = createServer((req, res) => void (req.url!.startsWith(VERIFY_PATH) ? routes[VERIFY_PATH]! : prefixRoutes['/reports/']!)(req, res));
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    try {
      for (const path of ['/reports/914101051000001983.html', `${VERIFY_PATH}?number=${NUMBER}&code=${CODE}`]) {
        const response = await fetch(`${at}${path}`, { headers: { 'x-test-client': '192.0.2.50' } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        const policy = response.headers.get('content-security-policy') ?? '';
        expect(policy).toContain("default-src 'none'");
        expect(policy).toContain("frame-ancestors 'none'");
        expect(policy).not.toMatch(/script-src/);
      }
    } finally {
      await new Promise<void>((resolve) => pages.close(() => resolve()));
    }
  });
});

describe('the address printed on a report (number only)', () => {
  it('asks for the code on a page that submits back here, the number escaped; JSON callers still get BAD_USER_INPUT', async () => {
    const { routes } = createReportRoutes(reports, async () => ({ status: 500, body: {} }));
    const pages = createServer((req, res) => void routes[VERIFY_PATH]!(req, res));
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    try {
      const form = await fetch(`${at}${VERIFY_PATH}?number=${NUMBER}`);
      expect(form.status).toBe(200);
      expect(form.headers.get('content-security-policy')).toContain("form-action 'self'");
      expect(form.headers.get('content-security-policy')).not.toMatch(/script-src/);
      const page = await form.text();
      expect(page).toContain(`action="${VERIFY_PATH}"`);
      expect(page).toContain(`value="${NUMBER}"`);
      const hostile = await (await fetch(`${at}${VERIFY_PATH}?number=${encodeURIComponent('"><script>x</script>')}`)).text();
      expect(hostile).not.toContain('<script>');
      expect(hostile).toContain('&quot;&gt;&lt;script&gt;');
      const json = await fetch(`${at}${VERIFY_PATH}?number=${NUMBER}`, { headers: { accept: 'application/json' } });
      expect(json.status).toBe(400);
      expect(((await json.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    } finally {
      await new Promise<void>((resolve) => pages.close(() => resolve()));
    }
  });
});

describe('a download refused for the report bucket', () => {
  it('answers 429 RATE_LIMITED with Retry-After from the refusal', async () => {
    const { prefixRoutes } = createReportRoutes(reports, async () => ({
      status: 429,
      body: { data: null, errors: [{ message: 'At most 6 credit reports a minute', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 10 } }] },
    }));
    const downloads = createServer((req, res) => void prefixRoutes['/reports/']!(req, res));
    await new Promise<void>((resolve) => downloads.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(downloads.address() as AddressInfo).port}/reports/914101051000001983.pdf`);
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('10');
      expect((await response.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
    } finally {
      await new Promise<void>((resolve) => downloads.close(() => resolve()));
    }
  });
});
