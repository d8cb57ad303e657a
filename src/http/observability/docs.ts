import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Router, type Response } from 'express';
import { getRoute } from '../routes';

/** The repository's openapi.yaml: three folders up from src/http/observability and from dist/http/observability. */
export const OPENAPI_FILE = path.resolve(__dirname, '..', '..', '..', 'openapi.yaml');

/** Swagger UI's prebuilt files, from the swagger-ui-dist npm package: no CDN, works offline. */
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** The only files of the package that /docs/ serves (the package also holds source maps, README, ES builds). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** Assets change only with the package version; an hour keeps reloads fast without pinning old files for long. */
const ASSET_MAX_AGE_MS = 3_600_000;

const INDEX_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Ferrite API reference</title>
    <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
    <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="./favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="./ferrite-docs.js" charset="UTF-8"></script>
  </body>
</html>
`;

/** Relative URLs, so the page also works behind a reverse proxy that mounts Ferrite under a prefix. */
const INITIALIZER_JS = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '../openapi.yaml',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // The public validator badge would call out to the internet.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
};
`;

/** `/openapi.yaml` (the repository's file as it is) and `/docs/` (Swagger UI rendering it). Unauthenticated. */
export function docsRoutes(openApiFile: string = OPENAPI_FILE): Router {
  const router = Router();
  let spec: Promise<Buffer> | null = null;

  getRoute(router, '/openapi.yaml', async (_req, res) => {
    // Read once; a failed read is retried on the next request.
    spec ??= readFile(openApiFile).catch((error: unknown) => {
      spec = null;
      throw error;
    });
    const body = await spec;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/yaml; charset=utf-8');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  });

  getRoute(router, '/docs', (req, res) => {
    // Non-strict routing matches "/docs" and "/docs/"; the page's relative URLs need the slash.
    const [pathname = '', query] = req.originalUrl.split(/\?(.*)/s);
    if (!pathname.endsWith('/')) {
      res.redirect(301, `${pathname}/${query === undefined ? '' : `?${query}`}`);
      return;
    }
    sendText(res, 'text/html; charset=utf-8', INDEX_HTML);
  });

  getRoute(router, '/docs/:file', (req, res, next) => {
    const file = String(req.params.file);
    if (file === 'ferrite-docs.js') {
      sendText(res, 'text/javascript; charset=utf-8', INITIALIZER_JS);
      return;
    }
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (type === undefined) {
      next();
      return;
    }
    res.sendFile(
      file,
      { root: SWAGGER_UI_DIR, maxAge: ASSET_MAX_AGE_MS, headers: { 'Content-Type': type } },
      (error) => {
        if (error) next(error);
      },
    );
  });
  return router;
}

function sendText(res: Response, type: string, text: string): void {
  const body = Buffer.from(text, 'utf8');
  res.statusCode = 200;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
