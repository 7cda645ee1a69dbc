// Renders a results file again from a run's raw JSON (bench/results-raw/results-*.json):
// `npx tsx bench/src/render.ts <json> <out.md>`.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderResults, type ReportInput } from './report.ts';

const [json, out] = process.argv.slice(2);
if (!json || !out) {
  console.error('usage: tsx bench/src/render.ts <results.json> <out.md>');
  process.exit(2);
}
const input = JSON.parse(readFileSync(json, 'utf8')) as ReportInput;
writeFileSync(out, renderResults({ ...input, startedAt: new Date(input.startedAt), finishedAt: new Date(input.finishedAt) }));
