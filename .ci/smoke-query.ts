// What a newcomer sees after `npm start`: the enterprise grants the demo bank consent, then
// the playground's bank example answers with every sector. Tokens are signed with the
// embedded secret `npm start` keeps in the data folder.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dataRoot } from '@credit-graph/contract';
import { demoTokens } from '../scripts/demo-credentials.ts';

const url = process.argv[2] ?? 'http://127.0.0.1:4000/graphql';
const examples = JSON.parse(readFileSync(new URL('../gateway/src/playground/examples.json', import.meta.url), 'utf8')) as {
  query: string;
  variables: Record<string, unknown>;
}[];
const { JWT_SECRET } = JSON.parse(readFileSync(path.join(dataRoot(), 'secrets.json'), 'utf8')) as { JWT_SECRET: string };
const tokens = await demoTokens(JWT_SECRET);

async function run(example: { query: string; variables: Record<string, unknown> }, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: example.query, variables: example.variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, any>; errors?: unknown[] } };
}

const consent = await run(examples.find((e) => e.query.includes('grantConsent'))!, { authorization: `Bearer ${tokens.ENTERPRISE}` });
if (consent.body.errors || !consent.body.data?.grantConsent?.live) {
  console.error('granting consent failed', JSON.stringify(consent.body).slice(0, 1000));
  process.exit(1);
}
const bank = await run(examples[0]!, { authorization: `Bearer ${tokens.BANK}`, 'x-credit-purpose': 'LOAN_APPROVAL' });
const enterprise = bank.body.data?.enterprise;
const sectors = ['finance', 'supplyChain', 'environment', 'housekeeping', 'elderlyCare', 'trade'];
const missing = sectors.filter((sector) => !enterprise?.[sector]);
if (bank.status !== 200 || bank.body.errors || !enterprise || missing.length > 0) {
  console.error(`bank example failed: HTTP ${bank.status}, missing ${missing.join(', ') || 'nothing'}`);
  console.error(JSON.stringify(bank.body, null, 2).slice(0, 2000));
  process.exit(1);
}
console.log(`bank example: ${enterprise.name} answered by all six subgraphs, with consent`);
