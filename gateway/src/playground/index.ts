// The playground: GraphiQL served from the gateway's own installed packages (no CDN, so it
// works on an air-gapped network), preloaded with example operations.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RouteHandler } from '@credit-graph/contract';

export interface PlaygroundExample {
  title: string;
  query: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
  /**
   * A step of the credit-workflow walk-through: run in order, pasting ids from earlier steps
   * (tests/workflows.test.ts runs the same operations in order).
   */
  walkthrough?: number;
}

export const PLAYGROUND_PATH = '/playground';
const ASSETS_PATH = `${PLAYGROUND_PATH}/assets/`;

const require = createRequire(import.meta.url);
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** Browser bundles by public file name; read once, kept in memory (about 2 MB). */
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.production.min.js': { file: path.join(packageDir('react'), 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.production.min.js': { file: path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.min.js': { file: path.join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: path.join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
};

/** `${BANK_TOKEN}` in an example's headers becomes the BANK token, when one is configured. */
function fillTokens(headers: Record<string, string>, tokens: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      value.replace(/\$\{([A-Z_]+)_TOKEN\}/g, (placeholder, role: string) => tokens[role] ?? placeholder),
    ]),
  );
}

function page(graphqlPath: string, examples: PlaygroundExample[], tokens: Record<string, string>): string {
  const tabs = examples.map((example) => ({
    query: `# ${example.title}\n${example.query.trim()}\n`,
    variables: example.variables ? JSON.stringify(example.variables, null, 2) : undefined,
    headers: example.headers ? JSON.stringify(fillTokens(example.headers, tokens), null, 2) : undefined,
  }));
  // JSON in a script element: escape "<" so no example text can close the element.
  const config = JSON.stringify({ url: graphqlPath, tabs }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Credit Graph playground</title>
  <link rel="stylesheet" href="${ASSETS_PATH}graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading the playground…</div>
  <script src="${ASSETS_PATH}react.production.min.js"></script>
  <script src="${ASSETS_PATH}react-dom.production.min.js"></script>
  <script src="${ASSETS_PATH}graphiql.min.js"></script>
  <script id="playground-config" type="application/json">${config}</script>
  <script>
    const config = JSON.parse(document.getElementById('playground-config').textContent);
    // GraphiQL 3 fills a first visit's variable and header editors from its storage, not from
    // defaultTabs (a props variable would pin every tab to it), so seed the storage once.
    const first = config.tabs[0];
    if (first && !localStorage.getItem('graphiql:tabState')) {
      if (first.variables) localStorage.setItem('graphiql:variables', first.variables);
      if (first.headers) localStorage.setItem('graphiql:headers', first.headers);
    }
    const fetcher = GraphiQL.createFetcher({ url: new URL(config.url, location.href).toString() });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultTabs: config.tabs, defaultEditorToolsVisibility: true }),
    );
  </script>
</body>
</html>`;
}

export function loadExamples(file: string): PlaygroundExample[] {
  return JSON.parse(readFileSync(file, 'utf8')) as PlaygroundExample[];
}

export function createPlayground(options: {
  graphqlPath: string;
  examples: PlaygroundExample[];
  tokens?: Record<string, string>;
}) {
  const html = page(options.graphqlPath, options.examples, options.tokens ?? {});
  const assets = new Map(
    Object.entries(ASSETS).map(([name, asset]) => [name, { body: readFileSync(asset.file), type: asset.type }]),
  );
  const servePage: RouteHandler = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(html);
  };
  const serveAsset: RouteHandler = (req: IncomingMessage, res: ServerResponse) => {
    const name = new URL(req.url ?? '/', 'http://localhost').pathname.slice(ASSETS_PATH.length);
    const asset = assets.get(name);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`No playground asset ${name}`);
      return;
    }
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
    res.end(asset.body);
  };
  const redirect: RouteHandler = (_req, res) => {
    res.writeHead(302, { location: PLAYGROUND_PATH });
    res.end();
  };
  return {
    routes: {
      [PLAYGROUND_PATH]: servePage,
      '/': redirect,
      '/favicon.ico': (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(204).end(),
    },
    prefixRoutes: { [ASSETS_PATH]: serveAsset },
  };
}
