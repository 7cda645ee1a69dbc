// The playground in a real browser (Debian's Chromium): it loads from the gateway's own
// assets (no network beyond the gateway) and runs the preloaded bank example.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const { gatewayUrl } = inject('stack');
const base = gatewayUrl.replace(/\/graphql$/, '');
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});
afterAll(() => browser?.close());

describe('playground', () => {
  it('loads GraphiQL from the gateway alone and runs the bank example', async () => {
    const page = await browser.newPage();
    const foreignRequests: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base)) foreignRequests.push(request.url());
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(`${base}/playground`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
    // First, as the enterprise, grant the bank consent (the second tab), as a person would.
    await page.locator('.graphiql-tab', { hasText: 'GrantConsent' }).click();
    await expect.poll(() => page.locator('.graphiql-query-editor').innerText()).toContain('grantConsent');
    await page.waitForTimeout(600);
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => page.locator('.result-window').innerText(), { timeout: 20_000 }).toContain('"live": true');
    // Then the first tab, the bank's credit check.
    await page.locator('.graphiql-tab', { hasText: 'BankCreditCheck' }).click();
    await page.waitForTimeout(600);
    await expect.poll(() => page.locator('.graphiql-query-editor').innerText()).toContain('enterprise(uscc');
    await expect.poll(() => page.locator('.graphiql-editor-tool').innerText()).toContain('"uscc"');

    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    await expect.poll(() => result.innerText(), { timeout: 20_000 }).toContain('"finance"');
    const text = await result.innerText();
    expect(text).toContain('"uscc"');
    expect(text).not.toContain('"errors"');
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("runs the procurement agency's tab: the bidder barred by its list entry, with the authority and legal basis", async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${base}/playground`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
    await page.locator('.graphiql-tab', { hasText: 'VerifyBidders' }).click();
    await expect.poll(() => page.locator('.graphiql-query-editor').innerText()).toContain('creditVerification(');
    await expect.poll(() => page.locator('.graphiql-editor-tool').innerText()).toContain('"bidders"');
    await page.waitForTimeout(600);
    // The result pane renders only the lines in view: the whole answer is read from the response.
    const answered = page.waitForResponse((response) => response.url().endsWith('/graphql') && (response.request().postData() ?? '').includes('VerifyBidders'));
    await page.locator('.graphiql-execute-button').click();
    const body = (await (await answered).json()) as { data?: { creditVerification: { number: string; results: { verdict: string; measures: { legalBasis: { document: string }[]; triggers: { kind: string; authority: string }[] }[] }[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    const [barred, rewarded] = body.data!.creditVerification.results;
    expect(barred!.verdict).toBe('PROHIBITED');
    expect(barred!.measures[0]!.triggers[0]).toMatchObject({ kind: 'DishonestyListEntry', authority: '郑州市发展和改革委员会' });
    expect(barred!.measures[0]!.legalBasis.map((basis) => basis.document)).toContain('中华人民共和国政府采购法');
    expect(rewarded!.verdict).toBe('INCENTIVES');
    // What the person sees at the top of the pane: the verification number and the first verdict.
    const result = page.locator('.result-window');
    await expect.poll(() => result.innerText(), { timeout: 30_000 }).toContain(body.data!.creditVerification.number);
    expect(await result.innerText()).toContain('"verdict": "PROHIBITED"');
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('offers every example as its own tab, each with its own variables', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/playground`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
    expect(await page.locator('.graphiql-tab').count()).toBeGreaterThanOrEqual(3);

    await page.locator('.graphiql-tab', { hasText: 'WorkerCheck' }).click();
    await expect.poll(() => page.locator('.graphiql-query-editor').innerText()).toContain('worker(id');
    await expect.poll(() => page.locator('.graphiql-editor-tool').innerText()).toContain('"wk_');
    // GraphiQL re-reads the operation name from the editor after a short debounce; a person
    // clicking "run" right after switching tabs would meet the same delay.
    await page.waitForTimeout(600);
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    await expect.poll(() => result.innerText(), { timeout: 20_000 }).toContain('"backgroundCheck"');
    expect(await result.innerText()).not.toContain('"errors"');
    await page.close();
  });
});
