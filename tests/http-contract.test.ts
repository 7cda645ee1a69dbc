// The HTTP contract of docs/errors.md (issue 10 §7): a request failing only with an error a
// subgraph raised gets the catalogued status, as when the gateway raises it; client mistakes
// are 400 with a documented code; every response carries a request id, in the header and in
// every error, taken from the caller when well-formed and passed on to the subgraphs.
import { describe, expect, inject, it } from 'vitest';
import { ERROR_CATALOGUE } from '@credit-graph/contract';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { headersFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);

interface Answer {
  status: number;
  requestId: string | null;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Answer['body'] };
}

function codeOf(answer: Answer): unknown {
  return answer.body.errors?.[0]?.extensions?.code;
}

describe('HTTP status of errors raised inside a subgraph', () => {
  it('answers a portfolio of 501 codes (refused by the registry) with 400 BAD_USER_INPUT', async () => {
    const codes = Array.from({ length: 501 }, (_, i) => universe[i % universe.length]!.uscc);
    const answer = await post({ query: 'query ($c: [USCC!]!) { enterprises(usccs: $c) { uscc } }', variables: { c: codes } });
    expect(codeOf(answer)).toBe('BAD_USER_INPUT');
    expect(answer.body.errors?.[0]?.extensions?.serviceName).toBe('registry');
    expect(answer.status).toBe(400);
  });

  it('answers a reused idempotency key with 409 and a second removal of a list entry with 409 INVALID_TRANSITION', async () => {
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const key = `http-contract-${Date.now()}`;
    const add = `mutation ($key: String!, $reason: String!) { addListEntry(idempotencyKey: $key, input: {
      uscc: "${universe[3]!.uscc}", listType: ABNORMAL_OPERATION, authority: "郑州市市场监督管理局",
      legalBasis: "企业信息公示暂行条例 第十七条", reason: $reason, listedOn: "2025-01-06", expiresOn: "2027-01-05",
      measures: ["列入经营异常名录"] }) { id } }`;
    const first = await post({ query: add, variables: { key, reason: 'Not reachable at its registered address' } }, regulator);
    expect(first.body.errors).toBeUndefined();
    const entryId = (first.body.data as { addListEntry: { id: string } }).addListEntry.id;

    const reused = await post({ query: add, variables: { key, reason: 'Another reason' } }, regulator);
    expect(codeOf(reused)).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(reused.status).toBe(ERROR_CATALOGUE.IDEMPOTENCY_KEY_REUSED.status);

    const remove = `mutation ($id: ID!, $key: String!) { removeListEntry(entryId: $id, reason: REVOKED, removedOn: "2025-03-03", idempotencyKey: $key) { id } }`;
    const removed = await post({ query: remove, variables: { id: entryId, key: `${key}-remove-1` } }, regulator);
    expect(removed.body.errors).toBeUndefined();
    const again = await post({ query: remove, variables: { id: entryId, key: `${key}-remove-2` } }, regulator);
    expect(codeOf(again)).toBe('INVALID_TRANSITION');
    expect(again.status).toBe(409);
  });

  it('keeps 200 when a field error comes beside answered fields', async () => {
    const answer = await post({ query: `{ districts { code } traceabilityCode(code: "${'x'.repeat(65)}") { code } }` });
    expect(codeOf(answer)).toBe('BAD_USER_INPUT');
    expect((answer.body.data as { districts: unknown[] }).districts.length).toBeGreaterThan(0);
    expect(answer.status).toBe(200);
  });
});

describe('client mistakes are 400 with a documented code', () => {
  const documented = Object.keys(ERROR_CATALOGUE);

  it.each([
    ['two operations and no operationName', { query: 'query A { districts { code } } query B { districts { name } }' }],
    ['an unknown operationName', { query: 'query A { districts { code } }', operationName: 'Nope' }],
    ['a subscription', { query: 'subscription S { districts { code } }' }],
  ])('%s', async (_label, body) => {
    const answer = await post(body);
    expect(documented).toContain(codeOf(answer));
    expect(codeOf(answer)).not.toBe('INTERNAL_SERVER_ERROR');
    expect(answer.status).toBe(400);
  });

  it('a mutation sent with GET', async () => {
    const url = `${gatewayUrl}?query=${encodeURIComponent('mutation { revokeConsent(id: "c_1") { id } }')}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    const body = (await response.json()) as Answer['body'];
    expect(response.status).toBe(400);
    expect(documented).toContain(body.errors?.[0]?.extensions?.code);
  });
});

describe('request ids', () => {
  it('generates one per response when the caller sends none, in the header and in every error', async () => {
    const ok = await post({ query: '{ districts { code } }' });
    expect(ok.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await post({ query: '{ enterprise(uscc: "91350100M000100Y44") { name } }' });
    expect(refused.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(refused.requestId).not.toBe(ok.requestId);
    expect(refused.body.errors?.[0]?.extensions?.requestId).toBe(refused.requestId);
    // Refused before GraphQL (wrong content type) and on an unknown route too.
    const transport = await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    const transportId = transport.headers.get('x-request-id');
    expect(transportId).toBeTruthy();
    expect(((await transport.json()) as Answer['body']).errors?.[0]?.extensions?.requestId).toBe(transportId);
    expect((await fetch(gatewayUrl.replace(/graphql$/, 'nowhere'))).headers.get('x-request-id')).toBeTruthy();
  });

  it("keeps a well-formed caller's id, and passes it to the subgraph that raised the error", async () => {
    const id = 'bank-7f3a:2026.12.01_0001';
    const codes = Array.from({ length: 501 }, (_, i) => universe[i % universe.length]!.uscc);
    const answer = await post({ query: 'query ($c: [USCC!]!) { enterprises(usccs: $c) { uscc } }', variables: { c: codes } }, { 'x-request-id': id });
    expect(answer.requestId).toBe(id);
    // The registry put its own request id on its error: the same one, so it was passed on.
    expect(answer.body.errors?.[0]?.extensions?.serviceName).toBe('registry');
    expect(answer.body.errors?.[0]?.extensions?.requestId).toBe(id);
  });

  it('stores the id on the audit record, where a regulator reads it', async () => {
    const id = 'bank-loan-file:2026.12.01-0042';
    const bank = await headersFor('BANK', 'LOAN_APPROVAL');
    const read = await post({ query: 'query CheckForRequestId { enterprise(uscc: "' + universe[3]!.uscc + '") { finance { currentTaxCreditLevel } } }' }, { ...bank, 'x-request-id': id });
    expect(read.requestId).toBe(id);
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const log = await post({ query: '{ auditRecords(first: 20) { edges { node { operationName requestId } } } }' }, regulator);
    expect(log.body.errors).toBeUndefined();
    const nodes = (log.body.data as { auditRecords: { edges: { node: { operationName: string | null; requestId: string | null } }[] } }).auditRecords.edges.map((e) => e.node);
    expect(nodes).toContainEqual({ operationName: 'CheckForRequestId', requestId: id });
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces and quotes', 'id "with" spaces'],
    ['with a line break smuggled as text', 'abc\\r\\nset-cookie: x'],
  ])('replaces an id that is %s with a new one', async (_label, id) => {
    const answer = await post({ query: '{ districts { code } }' }, { 'x-request-id': id });
    expect(answer.requestId).not.toBe(id);
    expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
