// Bad input through the gateway gets a clear error with a stable code: never a 500, never a
// stack trace, and a malformed USCC is refused by the gateway before any subgraph is asked.
import { describe, expect, inject, it } from 'vitest';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);

async function post(body: string, contentType = 'application/json') {
  const response = await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as { errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

function expectNoInternals(text: string) {
  expect(text).not.toMatch(/stacktrace|\s+at \S+ \(|node_modules|127\.0\.0\.1/);
}

describe('bad input through the gateway', () => {
  it('refuses a USCC literal with a wrong check character, naming the expected one', async () => {
    const result = await graphql(gatewayUrl, '{ enterprise(uscc: "91350100M000100Y44") { name } }');
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.position).toBe(18);
    expect(result.errors?.[0]?.extensions?.expected).toBe('3');
    // Refused by the gateway itself: no subgraph was asked.
    expect(result.errors?.[0]?.extensions?.serviceName).toBeUndefined();
  });

  it('refuses a USCC variable of the wrong length, and one inside a list', async () => {
    const single = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { name } }', { u: '9135' });
    expect(single.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(single.errors?.[0]?.message).toMatch(/18 characters long, got 4/);

    const list = await graphql(gatewayUrl, 'query ($c: [USCC!]!) { enterprises(usccs: $c) { name } }', {
      c: [universe[0]!.uscc, '91350100M00010OY43'],
    });
    expect(list.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(list.errors?.[0]?.message).toMatch(/character 15 is "O"/);
  });

  it('refuses a portfolio of 501 codes and says the limit', async () => {
    const codes = Array.from({ length: 501 }, (_, i) => universe[i % universe.length]!.uscc);
    const result = await graphql(gatewayUrl, 'query ($c: [USCC!]!) { enterprises(usccs: $c) { uscc } }', { c: codes });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/^usccs: must have at most 500 items, got 501$/);
    expect(result.errors?.[0]?.extensions).toMatchObject({ field: 'usccs', argumentName: 'usccs', maximum: 500 });
  });

  it('answers null, not an error, for a valid code nobody registered', async () => {
    const result = await graphql(gatewayUrl, '{ enterprise(uscc: "91110000600037341L") { name finance { currentTaxCreditLevel } } }', {}, await headersFor('REGULATOR', 'SUPERVISION'));
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ enterprise: null });
  });

  it('refuses an unknown field with GRAPHQL_VALIDATION_FAILED', async () => {
    const result = await graphql(gatewayUrl, `{ enterprise(uscc: "${universe[0]!.uscc}") { name creditCardNumber } }`);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors?.[0]?.message).toMatch(/creditCardNumber/);
  });

  it('refuses query text that does not parse', async () => {
    const result = await graphql(gatewayUrl, '{ enterprise(uscc: ');
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it.each([
    ['selection sets', (depth: number) => `${'{ a '.repeat(depth)}${'}'.repeat(depth)}`],
    ['list values', (depth: number) => `{ enterprises(usccs: ${'['.repeat(depth)}${']'.repeat(depth)}) { uscc } }`],
    ['object values', (depth: number) => `{ searchEnterprises(filter: ${'{ a: '.repeat(depth)}1${'}'.repeat(depth)}) { totalCount } }`],
  ])('refuses %s nested thousands deep (the parser is recursive) as the caller\'s mistake, not a 500', async (_name, nest) => {
    // Within the token cap; deep enough to overflow a recursive parse on every Node version.
    for (const depth of [1_200, 2_400]) {
      const result = await graphql(gatewayUrl, nest(depth));
      expect(result.status, `depth ${depth}`).toBe(400);
      expect(['QUERY_TOO_COMPLEX', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT'], `depth ${depth}`).toContain(result.errors?.[0]?.extensions?.code);
    }
  });

  it.each([
    ['malformed JSON', '{"query": "{ __typename }"', 'application/json', 400, 'BAD_REQUEST', /not valid JSON/],
    ['an empty body', '', 'application/json', 400, 'BAD_REQUEST', /empty/],
    ['a JSON array', '[{"query": "{ __typename }"}]', 'application/json', 400, 'BAD_REQUEST', /JSON object/],
    ['a JSON object without query', '{}', 'application/json', 400, 'BAD_REQUEST', /query/i],
    ['the wrong content type', '{"query": "{ __typename }"}', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE', /application\/json/],
    ['form encoding', 'query=%7B__typename%7D', 'application/x-www-form-urlencoded', 415, 'UNSUPPORTED_MEDIA_TYPE', /Content-Type/],
  ])('refuses %s with %s', async (_name, body, contentType, status, code, message) => {
    const result = await post(body, contentType);
    expect(result.status).toBe(status);
    expect(result.json.errors?.[0]?.extensions?.code).toBe(code);
    expect(result.json.errors?.[0]?.message).toMatch(message);
    expectNoInternals(result.text);
  });

  it('refuses a body over the size limit with PAYLOAD_TOO_LARGE', async () => {
    const result = await post(JSON.stringify({ query: `{ __typename } # ${'x'.repeat(1_100_000)}` }));
    expect(result.status).toBe(413);
    expect(result.json.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers unknown routes and methods with JSON errors', async () => {
    const missing = await fetch(gatewayUrl.replace(/graphql$/, 'nope'));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('NOT_FOUND');

    const put = await fetch(gatewayUrl, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(400);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses a GET without the CSRF-safe header (CSRF prevention is on)', async () => {
    const response = await fetch(`${gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
    expectNoInternals(await response.text());
  });

  it('refuses a deep query, an alias bomb and a 10,000-field query quickly, naming the limit', async () => {
    const uscc = universe[0]!.uscc;
    const deep = `{ enterprise(uscc: "${uscc}") { ${'supplyChain { partners { partner { '.repeat(6)}name${' } } }'.repeat(6)} } }`;
    const aliases = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: districts { code }`).join(' ')} }`;
    const wide = `{ enterprise(uscc: "${uscc}") { ${'name '.repeat(10_000)}} }`;
    const started = Date.now();
    // As a regulator: for an anonymous caller authorization would already have removed supplyChain.
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const ask = (query: string) => graphql(gatewayUrl, query, {}, regulator);
    const [depth, bomb, fields] = await Promise.all([ask(deep), ask(aliases), ask(wide)]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(depth.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'depth' });
    expect(depth.errors?.[0]?.message).toMatch(/depth \d+ exceeds the limit of 15/);
    expect(bomb.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'aliases' });
    expect(fields.status).toBe(400);
    expect(fields.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(fields.errors?.[0]?.message).toMatch(/tokens/);
  });
});

