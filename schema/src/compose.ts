// Composes the subgraphs named in subgraphs.json into supergraph.graphql.
//   npm run compose          write schema/supergraph.graphql
//   npm run compose:check    fail when the checked-in supergraph is stale
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { readManifest, SUPERGRAPH_PATH, type SubgraphEntry } from './manifest.ts';
import { readSubgraphSdl } from './sdl.ts';

export class CompositionError extends Error {}

export function composeSupergraph(entries: SubgraphEntry[] = readManifest()): string {
  const services = entries.map((entry) => {
    try {
      return { name: entry.name, url: entry.url, typeDefs: parse(readSubgraphSdl(entry.schemaFile)) };
    } catch (error) {
      throw new CompositionError(`${entry.name} (${entry.schemaFile}): ${(error as Error).message}`);
    }
  });
  const result = composeServices(services);
  if (result.errors) {
    const lines = result.errors.map((error) => {
      const code = (error.extensions?.code as string | undefined) ?? 'COMPOSITION_ERROR';
      return `  [${code}] ${error.message}`;
    });
    throw new CompositionError(`Composition failed with ${result.errors.length} error(s):\n${lines.join('\n')}`);
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  // --only a,b: compose a subset to try a subgraph's SDL while others are unfinished; writes nothing.
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex > 0 ? process.argv[onlyIndex + 1]?.split(',') : undefined;
  try {
    if (only) {
      composeSupergraph(readManifest().filter((entry) => only.includes(entry.name)));
      console.log(`${only.join(', ')} compose without errors`);
      process.exit(0);
    }
    const supergraph = composeSupergraph();
    const relative = path.relative(process.cwd(), SUPERGRAPH_PATH);
    if (check) {
      const current = readFileSync(SUPERGRAPH_PATH, 'utf8');
      if (current !== supergraph) {
        console.error(`${relative} is stale: the subgraph schemas compose to something else. Run \`npm run compose\` and commit the result.`);
        process.exit(1);
      }
      console.log(`${relative} is up to date`);
    } else {
      writeFileSync(SUPERGRAPH_PATH, supergraph);
      console.log(`wrote ${relative}`);
    }
  } catch (error) {
    console.error(error instanceof CompositionError ? error.message : error);
    process.exit(1);
  }
}
