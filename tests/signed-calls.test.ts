// Gateway-to-subgraph calls cannot be replayed or redirected (issue 9 §4). A gateway whose
// finance calls pass through a recording proxy serves a regulator's read; the signed header it
// sent is then replayed, as someone on the internal network would: with another body, again
// as it was, and against the registry as a list-entry mutation. Every replay is refused.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CALLER_HEADER, isGatewayHosted, readManifest } from '@credit-graph/contract';
import { composeSupergraph } from '@credit-graph/contract/compose';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { createTestDatabase, graphql, TEST_CALLER_SECRET, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { subgraphUrls, enterprises, gatewayUrl } = inject('stack');
const universe = seedUniverse(enterprises);
const subject = universe[23]!;

interface Captured {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A proxy in front of `target` that records every request it forwards. */
async function recordingProxy(target: string): Promise<{ url: string; captured: Captured[]; server: Server }> {
  const captured: Captured[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)]));
    captured.push({ method: req.method!, url: req.url!, headers, body });
    const forwarded = await fetch(target, {
      method: req.method,
      headers: { 'content-type': 'application/json', ...gatewayHeaders(headers) },
      body,
    });
    res.writeHead(forwarded.status, { 'content-type': 'application/json' });
    res.end(await forwarded.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, captured, server };
}

/** The gateway's own headers of a captured call (every `x-credit-graph-*` one it sent). */
function gatewayHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('x-credit-graph')));
}

/** Sends captured headers with `body` to `url`, as a replay would. */
async function replay(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...gatewayHeaders(headers) },
    body,
  });
  return { status: response.status, ...((await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] }) };
}

let proxy: Awaited<ReturnType<typeof recordingProxy>>;
let app: GatewayApp;
let database: TestDatabase;
let financeCall: Captured;

beforeAll(async () => {
  proxy = await recordingProxy(subgraphUrls.finance!);
  const folder = mkdtempSync(path.join(tmpdir(), 'signed-calls-'));
  const supergraphPath = path.join(folder, 'supergraph.graphql');
  writeFileSync(supergraphPath, composeSupergraph(readManifest().filter((entry) => !isGatewayHosted(entry))));
  database = await createTestDatabase('signed-calls');
  const urls = Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url]));
  const config = loadConfig({ ...urls, SUBGRAPH_FINANCE_URL: proxy.url, CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, JWT_SECRET: TEST_JWT_SECRET });
  app = await startGateway({ ...config, port: 0, metrics: TEST_METRICS, supergraphPath, database: database.target }, { examples: [] });

  // The regulator's read whose finance call is captured.
  const read = await graphql(
    app.url,
    'query ($u: USCC!) { enterprise(uscc: $u) { name finance { currentTaxCreditLevel } } }',
    { u: subject.uscc },
    await headersFor('REGULATOR', 'SUPERVISION'),
  );
  expect(read.errors).toBeUndefined();
  expect(read.data.enterprise.finance).not.toBeNull();
  financeCall = proxy.captured.find((call) => call.body.includes('_entities'))!;
  expect(financeCall).toBeDefined();
});

afterAll(async () => {
  await app?.stop();
  await database?.drop();
  await new Promise((resolve) => proxy?.server.close(resolve));
});

describe('captured gateway-to-subgraph headers', () => {
  it('carry one signed header and nothing unsigned about the caller', () => {
    expect(Object.keys(gatewayHeaders(financeCall.headers))).toEqual([CALLER_HEADER]);
  });

  it('do not work with another body at the same subgraph', async () => {
    const other = JSON.stringify({ query: '{ financingProducts { name } }' });
    const refused = await replay(subgraphUrls.finance!, financeCall.headers, other);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.errors?.[0]?.message).toContain('body is not the one that was signed');
    expect(refused.data).toBeUndefined();
  });

  it('do not work a second time, even with the very same body', async () => {
    const refused = await replay(subgraphUrls.finance!, financeCall.headers, financeCall.body);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.message).toContain('already used (replay)');
  });

  it('do not work against another subgraph: a registry addListEntry is refused, and nothing is listed', async () => {
    const mutation = JSON.stringify({
      query: 'mutation ($input: ListEntryInput!, $key: String!) { addListEntry(input: $input, idempotencyKey: $key) { id } }',
      variables: {
        input: {
          uscc: subject.uscc,
          listType: 'SEVERE_DISHONESTY',
          authority: '郑州市发展和改革委员会',
          legalBasis: '河南省社会信用条例 第三十三条',
          reason: 'replayed headers',
          listedOn: '2026-01-05',
          expiresOn: '2030-01-05',
          measures: ['限制参与政府采购'],
        },
        key: `replayed-${Date.now()}`,
      },
    });
    const LISTED = 'query ($u: USCC!) { enterprise(uscc: $u) { onSevereDishonestyList } }';
    const before = (await graphql(gatewayUrl, LISTED, { u: subject.uscc })).data.enterprise.onSevereDishonestyList;
    const refused = await replay(subgraphUrls.registry!, financeCall.headers, mutation);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.data).toBeUndefined();
    expect((await graphql(gatewayUrl, LISTED, { u: subject.uscc })).data.enterprise.onSevereDishonestyList).toBe(before);
  });
});
