import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config/config';
import { OpenProjects } from '../../src/engine/open-auth';
import { expectMatchesSpec } from '../helpers/openapi';
import { MAIN } from '../helpers/process';
import { startServer, tempDir, type TestServer } from '../helpers/server';

/**
 * FERRITE_AUTH=open: the `iron/mq:lite` behaviour for test suites. Any well-formed project id is created on its
 * first request and any token (or none) is accepted; it is loud about it and hard to turn on by accident.
 */

/** startServer always sets FERRITE_TOKEN; open auth refuses it, so it is blanked (unset) here. */
const OPEN = { FERRITE_AUTH: 'open', FERRITE_TOKEN: '' };

describe('the setting', () => {
  test('is token unless set, and open binds to loopback unless FERRITE_HOST is given', () => {
    expect(loadConfig({}).auth).toBe('token');
    expect(loadConfig({}).host).toBe('0.0.0.0');
    expect(loadConfig({ FERRITE_AUTH: 'open' })).toMatchObject({ auth: 'open', host: '127.0.0.1' });
    expect(loadConfig({ FERRITE_AUTH: 'open', FERRITE_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  test('refuses anything but token or open', () => {
    expect(() => loadConfig({ FERRITE_AUTH: 'none' })).toThrow(/FERRITE_AUTH must be one of token, open/);
    expect(() => loadConfig({ FERRITE_AUTH: '' })).toThrow(ConfigError);
  });

  test.each([
    ['FERRITE_TOKEN', 'a-token-of-sixteen-chars'],
    ['FERRITE_JWT_SECRET', 'x'.repeat(32)],
    ['CRIMSONQ_HTTP_USER', 'admin'],
    ['CRIMSONQ_HTTP_PASS', 'secret'],
    ['CRIMSONQ_RESP_PASS', 'secret'],
  ])('is refused together with %s, naming it', (name, value) => {
    expect(() => loadConfig({ FERRITE_AUTH: 'open', [name]: value })).toThrow(
      new RegExp(`FERRITE_AUTH=open accepts any token, so it refuses ${name}`),
    );
    // The same setting is fine with token auth.
    expect(() => loadConfig({ [name]: value })).not.toThrow();
  });

  test('names every refused setting at once', () => {
    expect(() =>
      loadConfig({
        FERRITE_AUTH: 'open',
        FERRITE_TOKEN: 'a-token-of-sixteen-chars',
        CRIMSONQ_HTTP_PASS: 'p',
      }),
    ).toThrow('refuses FERRITE_TOKEN, CRIMSONQ_HTTP_PASS, which only make sense when tokens are checked');
  });
});

describe('a server with open auth', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: OPEN });
  });
  afterAll(() => server.destroy());

  const as = (projectId: string, token?: string) => {
    const base = `/3/projects/${projectId}`;
    const auth = (r: request.Test) => (token === undefined ? r : r.set('Authorization', `OAuth ${token}`));
    return {
      get: (p: string) => auth(request(server.url).get(`${base}${p}`)),
      post: (p: string) => auth(request(server.url).post(`${base}${p}`)),
      put: (p: string) => auth(request(server.url).put(`${base}${p}`)),
    };
  };

  test('says so on /healthz', async () => {
    const res = await request(server.url).get('/healthz').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      auth: 'open',
      warning: expect.stringContaining('any token'),
    });
    expectMatchesSpec(res);
  });

  test('creates a made-up project on its first request and takes any token for it', async () => {
    const project = 'a1b2c3d4e5f6a7b8c9d0e1f2';
    expect(await server.store.getProject(project)).toBeNull();
    const created = await as(project, 'whatever-the-ci-has').put('/queues/jobs').send({});
    expect(created.status).toBe(200);
    expectMatchesSpec(created);
    expect(await server.store.getProject(project)).toMatchObject({ id: project, name: 'open-auth' });

    const posted = await as(project, 'another-token')
      .post('/queues/jobs/messages')
      .send({
        messages: [{ body: 'hello' }],
      });
    expect(posted.status).toBe(201);
    // No token at all, or a token in the query: accepted too.
    const reserved = await as(project).post('/queues/jobs/reservations').send({});
    expect(reserved.body.messages).toEqual([expect.objectContaining({ body: 'hello' })]);
    const listed = await request(server.url).get(`/3/projects/${project}/queues?oauth=x`).expect(200);
    expect(listed.body.queues.map((q: { name: string }) => q.name)).toEqual(['jobs']);
  });

  test('short made-up ids work (the "test" project of old CI configurations), and projects stay apart', async () => {
    await as('test', 'test')
      .post('/queues/shared-name/messages')
      .send({ messages: [{ body: 'in test' }] });
    await as('4444444444444', 't')
      .post('/queues/shared-name/messages')
      .send({ messages: [{ body: 'other' }] });
    const a = await as('test', 'test').get('/queues/shared-name/messages?n=5').expect(200);
    const b = await as('4444444444444', 'test').get('/queues/shared-name/messages?n=5').expect(200);
    expect(a.body.messages.map((m: { body: string }) => m.body)).toEqual(['in test']);
    expect(b.body.messages.map((m: { body: string }) => m.body)).toEqual(['other']);
  });

  test.each([
    ['a dot', 'bad.project'],
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'bad%20project'],
    ['non-ASCII', '%C3%A9t%C3%A9'],
  ])('a project id with %s is refused with 400 and creates nothing', async (_what, id) => {
    const before = (await server.store.listProjects()).length;
    const res = await request(server.url)
      .post(`/3/projects/${id}/queues/q/messages`)
      .set('Authorization', 'OAuth x')
      .send({ messages: [{ body: 'x' }] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ msg: 'A project id is 1 to 64 letters, digits, "-" or "_"' });
    expectMatchesSpec(res);
    expect((await server.store.listProjects()).length).toBe(before);
  });

  test('many first requests of one new project at once all succeed and make one project', async () => {
    const project = 'burst-project';
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        as(project, `token-${i}`)
          .post(`/queues/burst/messages`)
          .send({ messages: [{ body: `m${i}` }] }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect((await server.store.listProjects()).filter((p) => p.id === project)).toHaveLength(1);
    expect((await as(project, 'x').get('/queues/burst').expect(200)).body.queue.size).toBe(20);
  });

  test('creates at most its limit of projects, then refuses new ones with 400', async () => {
    const existing = (await server.store.listProjects()).length;
    const projects = new OpenProjects(server.store, server.clock, existing + 1);
    await projects.admit('limit-one');
    await expect(projects.admit('limit-two')).rejects.toThrow(/at most \d+ projects/);
    await projects.admit('limit-one');
    expect(await server.store.getProject('limit-two')).toBeNull();
  });
});

describe('the data file', () => {
  test('one first served with token auth is refused by open auth; one born open may go either way', async () => {
    const guarded = tempDir();
    const first = await startServer({ dir: guarded });
    await first.stop();
    await expect(startServer({ dir: guarded, env: OPEN })).rejects.toThrow(
      /FERRITE_AUTH=open refuses this data file: it was first served with token auth/,
    );
    // Still a fine token-auth file afterwards.
    const again = await startServer({ dir: guarded });
    await again.destroy();

    const born = tempDir();
    const open = await startServer({ dir: born, env: OPEN });
    await open.stop();
    const token = await startServer({ dir: born });
    await token.stop();
    const reopened = await startServer({ dir: born, env: OPEN });
    await reopened.destroy();
  });
});

describe('the built server', () => {
  /** dist/main.js with exactly `env` (no FERRITE_HOST unless given). */
  function run(env: Record<string, string>) {
    if (!existsSync(MAIN)) throw new Error('dist/ is missing: `npm test` builds before running jest');
    const child = spawn(process.execPath, [MAIN], {
      // RESP off: its fixed default port would collide with servers other tests start in parallel.
      env: { PATH: process.env.PATH ?? '', FERRITE_PORT: '0', FERRITE_RESP_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, stdout: () => stdout, stderr: () => stderr };
  }

  test('starts on loopback with a banner and a warning in the log', async () => {
    const dir = tempDir();
    const server = run({ FERRITE_AUTH: 'open', FERRITE_DB_FILE: path.join(dir, 'ferrite.db') });
    try {
      // Started once the listening line, the warning (on stderr, as every warning) and the banner are out.
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start:\n${server.stdout()}`)), 10_000);
        const check = () => {
          const match = /"port":(\d+)/.exec(server.stdout());
          if (
            match &&
            server.stderr().includes('"message":"FERRITE_AUTH=open') &&
            server.stderr().includes('!!\n')
          ) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        };
        server.child.stdout.on('data', check);
        server.child.stderr.on('data', check);
      });
      expect(server.stdout()).toMatch(
        /"auth":"open"[^\n]*"host":"127\.0\.0\.1"|"host":"127\.0\.0\.1"[^\n]*"auth":"open"/,
      );
      expect(server.stderr()).toContain(
        'OPEN AUTH (FERRITE_AUTH=open): any project id and any token are accepted',
      );
      const health = await request(`http://127.0.0.1:${port}`).get('/healthz').expect(200);
      expect(health.body.auth).toBe('open');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  test('refuses to start with FERRITE_TOKEN, exit code 2, naming it', async () => {
    const dir = tempDir();
    const server = run({
      FERRITE_AUTH: 'open',
      FERRITE_TOKEN: 'a-token-of-sixteen-chars',
      FERRITE_DB_FILE: path.join(dir, 'ferrite.db'),
    });
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toContain('FERRITE_AUTH=open accepts any token, so it refuses FERRITE_TOKEN');
    expect(existsSync(path.join(dir, 'ferrite.db'))).toBe(false);
  });
});
