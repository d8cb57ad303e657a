import { statSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { expectMatchesSpec } from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

describe('health probes', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(() => server.destroy());

  test('/healthz and /readyz answer 200 without a token', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await request(server.url).get(path);
      expect([path, res.status, res.body]).toEqual([
        path,
        200,
        { status: 'ok', node: expect.any(String), leader: expect.any(String), store: 'sqlite' },
      ]);
      expectMatchesSpec(res);
    }
  });

  test('the readiness probe changes nothing and does not grow the WAL', async () => {
    const wal = path.join(server.dir, 'ferrite.db-wal');
    expect((await request(server.url).get('/readyz')).status).toBe(200);
    const before = { tokens: await server.store.listTokens(), walBytes: statSync(wal).size };
    for (let i = 0; i < 20; i++) expect((await request(server.url).get('/readyz')).status).toBe(200);
    expect({ tokens: await server.store.listTokens(), walBytes: statSync(wal).size }).toEqual(before);
  });

  test('when the store cannot write, /readyz answers 503 with the reason and /healthz stays 200', async () => {
    await server.store.close();
    const ready = await request(server.url).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers['retry-after']).toBe('1');
    expect(ready.body.msg).toMatch(/^Not ready: .*closed/);
    expectMatchesSpec(ready);

    const alive = await request(server.url).get('/healthz');
    expect(alive.status).toBe(200);
    expectMatchesSpec(alive);
  });

  test('while the server shuts down, /readyz answers 503', async () => {
    // The first step of close(): long polls are answered and no new one may park.
    server.engine.wakeups.close();
    const res = await request(server.url).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ msg: 'Not ready: the server is shutting down' });
    expectMatchesSpec(res);
  });

  test('other methods on the probes are 404 like any unknown path', async () => {
    const res = await request(server.url).post('/readyz').send({});
    expect(res.status).toBe(404);
  });
});
