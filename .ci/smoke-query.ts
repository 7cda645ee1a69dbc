// Runs the playground's bank example against a running gateway and checks that every sector
// answered: what a newcomer sees after `npm start`.
import { readFileSync } from 'node:fs';

const url = process.argv[2] ?? 'http://127.0.0.1:4000/graphql';
const [bankCheck] = JSON.parse(readFileSync(new URL('../gateway/src/playground/examples.json', import.meta.url), 'utf8')) as {
  query: string;
  variables: Record<string, unknown>;
}[];
const response = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: bankCheck!.query, variables: bankCheck!.variables }),
});
const body = (await response.json()) as { data?: { enterprise?: Record<string, unknown> | null }; errors?: unknown[] };
const enterprise = body.data?.enterprise;
const sectors = ['finance', 'supplyChain', 'environment', 'housekeeping', 'elderlyCare', 'trade'];
const missing = sectors.filter((sector) => !enterprise?.[sector]);
if (response.status !== 200 || body.errors || !enterprise || missing.length > 0) {
  console.error(`bank example failed: HTTP ${response.status}, missing ${missing.join(', ') || 'nothing'}`);
  console.error(JSON.stringify(body, null, 2).slice(0, 2000));
  process.exit(1);
}
console.log(`bank example: ${enterprise.name} answered by all six subgraphs`);
