import { readFileSync } from 'node:fs';
import request from 'supertest';
import { parse } from 'yaml';
import { OPENAPI_FILE } from '../../src/http/observability/docs';
import { expectMatchesSpec, SPEC_FILE } from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.destroy());

describe('API reference', () => {
  test('/openapi.yaml is the repository file, byte for byte, without a token', async () => {
    expect(OPENAPI_FILE).toBe(SPEC_FILE);
    const res = await getText('/openapi.yaml');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
    expect(res.body).toBe(readFileSync(SPEC_FILE, 'utf8'));
    expect((parse(res.body) as { openapi: string }).openapi).toMatch(/^3\.1\./);
  });

  test('/docs redirects to /docs/, a page that loads Swagger UI and the spec from this server only', async () => {
    const redirect = await request(server.url).get('/docs?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/docs/?x=1');

    const page = await request(server.url).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    // Works offline: nothing is loaded from another host.
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...page.text.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(
      expect.arrayContaining([
        'swagger-ui.css',
        'swagger-ui-bundle.js',
        'ferrite-docs.js',
        'favicon-32x32.png',
      ]),
    );
    for (const asset of assets) {
      const res = await getText(`/docs/${asset}`);
      expect([asset, res.status]).toEqual([asset, 200]);
      expect(res.body.length).toBeGreaterThan(100);
    }
    const bundle = await getText('/docs/swagger-ui-bundle.js');
    expect(bundle.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(bundle.headers['cache-control']).toBe('public, max-age=3600');
    expect(bundle.body).toContain('SwaggerUIBundle');

    const init = await getText('/docs/ferrite-docs.js');
    expect(init.body).toContain("url: '../openapi.yaml'");
    expect(init.body).toContain('validatorUrl: null');
  });

  test('only the page assets are served from the package', async () => {
    for (const path of [
      '/docs/package.json',
      '/docs/README.md',
      '/docs/..%2Fpackage.json',
      '/docs/swagger-ui.js.map',
    ]) {
      const res = await request(server.url).get(path);
      expect([path, res.status]).toEqual([path, 404]);
      expectMatchesSpec(res);
    }
  });
});

/** Fetches a path of the server with Node's fetch, keeping the body as text whatever its Content-Type. */
async function getText(
  path: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: await res.text() };
}
