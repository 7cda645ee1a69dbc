// `npm run codegen --workspace examples`: refreshes the API schema from a running gateway when
// SCHEMA_URL is set (e.g. http://127.0.0.1:4000/schema.graphql; in production with a
// schema:introspect credential in SCHEMA_TOKEN), then writes the typed client and the
// persisted-operation manifests (codegen.ts).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import config, { EXAMPLES_DIR, SCHEMA_FILE } from '../codegen.ts';

const schemaUrl = process.env.SCHEMA_URL;
if (schemaUrl) {
  const response = await fetch(schemaUrl, {
    headers: process.env.SCHEMA_TOKEN ? { authorization: `Bearer ${process.env.SCHEMA_TOKEN}` } : {},
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`GET ${schemaUrl} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  writeFileSync(path.join(EXAMPLES_DIR, SCHEMA_FILE), await response.text());
}
const files = await generate(config, true);
for (const file of files) console.log(`wrote ${path.relative(EXAMPLES_DIR, path.resolve(EXAMPLES_DIR, file.filename))}`);
