// A new embedded database starts from a template. PGlite runs initdb (in WebAssembly) for
// every new database: 9 s in memory and 18 s on disk on a loaded two-core machine, most of a
// gateway's first start and of every test file's database. Loading a dump of a freshly
// initialised cluster takes 1-3 s. The first new database made on a machine is dumped, before
// anything is stored in it, to node_modules/.cache/credit-graph/ (per PGlite version); later
// ones load that dump. Any failure to read or write the cache falls back to initdb.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/credit-graph/', import.meta.url));

function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const packageJson = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'package.json');
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** Where the template of this PGlite version is kept. */
export function pgliteTemplatePath(): string {
  return path.join(CACHE_DIR, `pglite-${pgliteVersion()}-initdb.tar`);
}

async function readTemplate(): Promise<Blob | undefined> {
  try {
    return new Blob([await readFile(pgliteTemplatePath())]);
  } catch {
    return undefined;
  }
}

async function saveTemplate(client: PGlite): Promise<void> {
  try {
    const dump = await client.dumpDataDir('none');
    await mkdir(CACHE_DIR, { recursive: true });
    // Written aside, then renamed: a process reading meanwhile sees the whole file or none.
    const partial = `${pgliteTemplatePath()}.${process.pid}.partial`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, pgliteTemplatePath());
  } catch {
    // A read-only install (an image) keeps initdb on every new database; nothing else changes.
  }
}

/**
 * PGlite's buffer cache. Its default, PostgreSQL's 128 MB, is resident memory each embedded
 * database fills as it reads (about 140 MB more per database once warm, seven databases under
 * `npm start`); the embedded databases hold a few tens of MB each and their files stay in the
 * operating system's page cache, so 16 MB is enough. Measured on the finance database seeded
 * with 2,000 enterprises, every table read: 353 MB resident with 128 MB, 215 MB with 16 MB.
 */
export const PGLITE_SHARED_BUFFERS = '16MB';
const START_PARAMS = [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];

/**
 * Opens the PGlite database in `dataDir` (undefined: in memory), creating it from the
 * template when it does not exist yet. Out: the open client.
 */
export async function openPGlite(dataDir: string | undefined): Promise<PGlite> {
  const exists = dataDir !== undefined && existsSync(path.join(dataDir, 'PG_VERSION'));
  if (exists) return PGlite.create(dataDir, { startParams: START_PARAMS });
  const template = await readTemplate();
  if (template) {
    try {
      return await PGlite.create(dataDir, { loadDataDir: template, startParams: START_PARAMS });
    } catch (error) {
      // A damaged template: initdb below, unless the load left a cluster behind.
      if (dataDir !== undefined && existsSync(path.join(dataDir, 'PG_VERSION'))) throw error;
    }
  }
  const client = await PGlite.create(dataDir, { startParams: START_PARAMS });
  await saveTemplate(client);
  return client;
}
