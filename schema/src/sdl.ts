// A subgraph's SDL is its own schema.graphql plus the shared declarations, read relative to
// the files themselves, never the working directory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SHARED_SDL_PATH = fileURLToPath(new URL('./shared.graphql', import.meta.url));

export function readSubgraphSdl(schemaFile: string): string {
  return `${readFileSync(schemaFile, 'utf8')}\n${readFileSync(SHARED_SDL_PATH, 'utf8')}`;
}
