// The environment variables Credit Graph's processes read: the settings schemas are the source
// of truth (scripts/settings.ts: every process's declarations), so that the manifests, the
// Dockerfile and .env.example can be checked against them. A scan of the sources of every
// process and tool (gateway, contract, subgraph kit, subgraphs, the CLI's scripts) finds the
// variables code reads by name, to check that none is read without being declared:
//   env.NAME / process.env.NAME / env['NAME']      direct reads
//   helper(env, 'NAME', ...)                          reads through a parsing helper
//   SOMETHING_VARIABLE = 'NAME'                      names kept in a constant
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceSchemas } from '../../scripts/settings.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_FOLDERS = ['gateway/src', 'schema/src', 'subgraph-kit/src', 'subgraphs', 'scripts'];
/** Test support reads test-only variables (TEST_DATABASE_URL); generated clients read none of ours. */
const SKIPPED = [/\/test\//, /\/generated\//, /subgraph-kit\/src\/testing\.ts$/, /node_modules/];

const PATTERNS = [
  /\benv\.([A-Z][A-Z0-9_]*)\b/g,
  /\benv\[\s*'([A-Z][A-Z0-9_]*)'\s*\]/g,
  /\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g,
  /_VARIABLE\s*=\s*'([A-Z][A-Z0-9_]*)'/g,
];

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const full = path.join(folder, entry);
    if (SKIPPED.some((pattern) => pattern.test(full))) return [];
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|mjs)$/.test(entry) ? [full] : [];
  });
}

/** Variables read by name somewhere in the sources, with the files that read each. */
export function variablesInSources(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of SOURCE_FOLDERS.flatMap((folder) => sourceFiles(path.join(ROOT, folder)))) {
    const text = readFileSync(file, 'utf8');
    const relative = path.relative(ROOT, file);
    for (const pattern of PATTERNS) {
      for (const match of text.matchAll(pattern)) {
        const files = found.get(match[1]!) ?? [];
        if (!files.includes(relative)) files.push(relative);
        found.set(match[1]!, files);
      }
    }
  }
  return found;
}

/** Every variable a Credit Graph process or tool reads: every name its settings schemas declare. */
export function serviceVariables(): Set<string> {
  return new Set([...serviceSchemas().values()].flatMap((schema) => Object.keys(schema.settings)));
}
