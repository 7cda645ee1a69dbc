// The composition manifest (subgraphs.json): which subgraphs make up Credit Graph.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SubgraphEntry {
  name: string;
  /** Default URL of the subgraph's GraphQL endpoint. */
  url: string;
  /** Absolute path of the subgraph's schema.graphql. */
  schemaFile: string;
}

export const SCHEMA_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const MANIFEST_PATH = path.join(SCHEMA_DIR, 'subgraphs.json');
export const SUPERGRAPH_PATH = path.join(SCHEMA_DIR, 'supergraph.graphql');

export function readManifest(manifestPath: string = MANIFEST_PATH): SubgraphEntry[] {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    subgraphs: { name: string; url: string; schema: string }[];
  };
  return manifest.subgraphs.map((entry) => ({
    name: entry.name,
    url: entry.url,
    schemaFile: path.resolve(path.dirname(manifestPath), entry.schema),
  }));
}

/** A subgraph the gateway serves in its own process (URL `local:...`), not a service of its own. */
export function isGatewayHosted(entry: { url: string }): boolean {
  return entry.url.startsWith('local:');
}

/** Port of a subgraph's default URL (the launcher and tests derive ports from the manifest). */
export function defaultPort(entry: SubgraphEntry): number {
  return Number(new URL(entry.url).port);
}
