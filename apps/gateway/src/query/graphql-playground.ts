import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { serveFiles } from '../static-files';

/** Where the playground's page loads its scripts and styles from: this gateway, never a CDN. */
export const PLAYGROUND_ASSETS = '/graphql/assets/';

/**
 * GraphiQL's prebuilt files and the React builds it runs on, straight from their npm packages.
 * A self-hosted gateway may have no way out to the internet, and a CDN would learn who uses it.
 */
const ASSETS: Record<string, string> = {
  'graphiql.min.css': require.resolve('graphiql/graphiql.min.css'),
  'graphiql.min.js': require.resolve('graphiql/graphiql.min.js'),
  // React's package exports hide its UMD builds from require.resolve; they sit beside its entry point.
  'react.production.min.js': path.join(path.dirname(require.resolve('react')), 'umd', 'react.production.min.js'),
  'react-dom.production.min.js': path.join(path.dirname(require.resolve('react-dom')), 'umd', 'react-dom.production.min.js'),
};

/** Serves the playground's assets (and nothing else of those packages) under PLAYGROUND_ASSETS. */
export async function servePlaygroundAssets(app: NestFastifyApplication): Promise<void> {
  await serveFiles(app, PLAYGROUND_ASSETS, ASSETS);
}

/** The page: GraphiQL with a headers editor, where the caller puts its key. */
export const PLAYGROUND_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tollgate GraphQL</title>
  <link rel="stylesheet" href="graphql/assets/graphiql.min.css">
</head>
<body style="margin:0">
  <div id="graphiql" style="height:100vh"></div>
  <script src="graphql/assets/react.production.min.js"></script>
  <script src="graphql/assets/react-dom.production.min.js"></script>
  <script src="graphql/assets/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: location.pathname });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, isHeadersEditorEnabled: true, defaultHeaders: '{\\n  "x-api-key": "YOUR_KEY_VALUE"\\n}' }),
    );
  </script>
</body>
</html>
`;
