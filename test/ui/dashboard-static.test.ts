import request from 'supertest';
import { DASHBOARD_CSP } from '../../src/http/dashboard';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server.destroy();
});

describe('the dashboard files at /ui', () => {
  test('/ui moves to /ui/ so the page’s relative links resolve', async () => {
    const res = await request(server.url).get('/ui');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/ui/');
  });

  test('the page is HTML under a same-origin-only Content-Security-Policy, revalidated on every load', async () => {
    const res = await request(server.url).get('/ui/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|https?:|\*/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.text).toContain('<script type="module" src="js/main.js"></script>');
  });

  test('scripts, styles and the icon have their own content types', async () => {
    const cases: [string, string][] = [
      ['/ui/js/main.js', 'text/javascript; charset=utf-8'],
      ['/ui/js/views/queue-list.js', 'text/javascript; charset=utf-8'],
      ['/ui/styles.css', 'text/css; charset=utf-8'],
      ['/ui/favicon.svg', 'image/svg+xml'],
    ];
    for (const [path, type] of cases) {
      const res = await request(server.url).get(path);
      expect([path, res.status, res.headers['content-type']]).toEqual([path, 200, type]);
    }
  });

  test('an unchanged file is answered 304 when the browser revalidates', async () => {
    const first = await request(server.url).get('/ui/styles.css');
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    const again = await request(server.url).get('/ui/styles.css').set('If-None-Match', etag);
    expect(again.status).toBe(304);
  });

  test('the page loads nothing from another origin', async () => {
    const res = await request(server.url).get('/ui/');
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  test('missing files, other types and paths outside ui/ are the API’s JSON 404', async () => {
    for (const path of [
      '/ui/nope.js',
      '/ui/../package.json',
      '/ui/%2e%2e/package.json',
      '/ui/js/../../package.json',
    ]) {
      const res = await request(server.url).get(path);
      expect([path, res.status, res.headers['content-type']]).toEqual([path, 404, 'application/json']);
    }
  });

  test('the IronMQ API is unaffected', async () => {
    const res = await request(server.url)
      .get(`/3/projects/${server.projectId}/queues`)
      .set('Authorization', `OAuth ${server.token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toBeUndefined();
  });
});
