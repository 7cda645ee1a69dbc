// Lever "no TypeScript loader in production": a gateway's entry as one ES module that plain
// `node` runs, without tsx (whose loader thread alone costs some 40 MB of RSS). Our own modules
// are bundled, each keeping its own import.meta.url (which locates the migrations, the
// playground and the supergraph); every npm package stays an ordinary import.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export async function bundleEntry(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    // CommonJS packages imported by bundled code still find `require`.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
    plugins: [
      {
        name: 'credit-graph-sources',
        setup(builder) {
          builder.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@credit-graph/') ? undefined : { path: args.path, external: true }));
          builder.onLoad({ filter: /\.ts$/ }, async (args) => ({
            contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: 'ts',
          }));
        },
      },
    ],
  });
  return outfile;
}
