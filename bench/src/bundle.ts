// Lever "no TypeScript loader in production": a gateway's entry as one ES module that plain
// `node` runs, without tsx (whose loader thread alone costs some 40 MB of RSS). Bundled the way
// the production build is (scripts/build.ts): our own modules bundled, each keeping its own
// location (which locates the migrations, the playground and the supergraph); every npm
// package stays an ordinary import.
import path from 'node:path';
import { build } from 'esbuild';
import { REQUIRE_BANNER, sourceLocationPlugin } from '../../scripts/build.ts';

export async function bundleEntry(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
    plugins: [sourceLocationPlugin(path.dirname(outfile))],
  });
  return outfile;
}
