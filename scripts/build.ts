// `npm run build`: the production build. esbuild bundles the CLI (scripts/credit-graph.ts) and
// every module of ours it reaches (gateway, contract, subgraph kit, subgraphs, the generated
// Prisma clients) into ES modules under dist/, split into chunks so that each command loads only
// its own code; plain `node dist/credit-graph.mjs <command>` runs them, without tsx or any dev
// dependency. Every npm package stays an ordinary import from node_modules (production
// dependencies only; Prisma's WASM query compiler is loaded from @prisma/client at run time).
//
// Files found next to the code (SDL, migrations, the supergraph, the playground's examples) stay
// where they are in the repository: each bundled module keeps its own location, because its
// `import.meta.url` is rewritten to the source file's path relative to dist/. An image therefore
// holds dist/ beside the repository's non-TypeScript files (see Dockerfile).
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const DIST_DIR = path.join(ROOT, 'dist');
export const CLI_ENTRY = path.join(ROOT, 'scripts/credit-graph.ts');
/** The built CLI: `node dist/credit-graph.mjs <command>`. */
export const BUILT_CLI = path.join(DIST_DIR, 'credit-graph.mjs');
/** Oldest Node the build must run on (package.json engines); 22 and 24 run it too. */
const TARGET = 'node20.19';
/** Our own packages are bundled; everything else is imported from node_modules at run time. */
const OWN_PACKAGE = /^@credit-graph\//;
// CommonJS packages imported by bundled ES modules still find `require`.
export const REQUIRE_BANNER = "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);";

/**
 * Keeps our modules' locations and npm packages external. `outdir` is the folder every output
 * file lands in (no sub-folders), so a module's source is at the same relative path from each.
 */
export function sourceLocationPlugin(outdir: string): Plugin {
  return {
    name: 'credit-graph-sources',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, (args) => (OWN_PACKAGE.test(args.path) ? undefined : { path: args.path, external: true }));
      builder.onLoad({ filter: /\.ts$/ }, async (args) => {
        const relative = path.relative(outdir, args.path).split(path.sep).join('/');
        const location = `new URL(${JSON.stringify(relative)}, import.meta.url).href`;
        return { contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', location), loader: 'ts' };
      });
    },
  };
}

export interface BuildReport {
  files: number;
  bytes: number;
  milliseconds: number;
}

/** Builds dist/ from scratch; returns what it wrote. */
export async function buildDist(): Promise<BuildReport> {
  const started = Date.now();
  await rm(DIST_DIR, { recursive: true, force: true });
  await build({
    entryPoints: { 'credit-graph': CLI_ENTRY },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    outdir: DIST_DIR,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
    plugins: [sourceLocationPlugin(DIST_DIR)],
  });
  const files = (await readdir(DIST_DIR)).filter((name) => name.endsWith('.mjs'));
  const sizes = await Promise.all(files.map(async (name) => (await stat(path.join(DIST_DIR, name))).size));
  return { files: files.length, bytes: sizes.reduce((sum, size) => sum + size, 0), milliseconds: Date.now() - started };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await buildDist();
  console.log(
    `built ${path.relative(process.cwd(), BUILT_CLI)}: ${report.files} module(s), ${(report.bytes / 1024 / 1024).toFixed(1)} MB, in ${(report.milliseconds / 1000).toFixed(1)} s`,
  );
}
