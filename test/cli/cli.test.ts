import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { runCli } from '../../src/cli/commands';
import { FakeClock } from '../../src/engine/clock';
import { startServer, tempDir, type TestServer } from '../helpers/server';

function cli(dbFile: string) {
  const lines: string[] = [];
  const errors: string[] = [];
  const run = (...argv: string[]) =>
    runCli(argv, {
      out: (line) => lines.push(line),
      err: (line) => errors.push(line),
      env: { FERRITE_DB_FILE: dbFile },
      clock: new FakeClock(),
    });
  return { run, lines, errors };
}

describe('the ferrite admin command', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.destroy());
  const dbFile = () => path.join(server.dir, 'ferrite.db');

  test('creates a project whose printed token works against the running server', async () => {
    const { run, lines } = cli(dbFile());
    expect(await run('project', 'create', '--name', 'billing')).toBe(0);
    const projectId = /IRON_PROJECT_ID=(\S+)/.exec(lines.join('\n'))![1]!;
    const token = /IRON_TOKEN=(\S+)/.exec(lines.join('\n'))![1]!;
    expect(projectId).toMatch(/^[0-9a-f]{24}$/);
    const res = await request(server.url)
      .put(`/3/projects/${projectId}/queues/invoices`)
      .set('Authorization', `OAuth ${token}`)
      .send({});
    expect(res.status).toBe(200);
    // The new token does not open the default project.
    const other = await request(server.url)
      .get(`/3/projects/${server.projectId}/queues`)
      .set('Authorization', `OAuth ${token}`);
    expect(other.status).toBe(401);
  });

  test('lists projects and tokens without ever printing a token', async () => {
    const { run, lines } = cli(dbFile());
    expect(await run('project', 'list')).toBe(0);
    expect(lines.join('\n')).toContain(server.projectId);
    lines.length = 0;
    expect(await run('token', 'list', server.projectId)).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(server.token);
  });

  test('a revoked token is refused by the running server at once', async () => {
    const { run, lines } = cli(dbFile());
    await run('token', 'create', server.projectId, '--name', 'temp');
    const token = /IRON_TOKEN=(\S+)/.exec(lines.join('\n'))![1]!;
    const tokenId = /Token id (\S+)/.exec(lines.join('\n'))![1]!;
    const path_ = `/3/projects/${server.projectId}/queues`;
    expect((await request(server.url).get(path_).set('Authorization', `OAuth ${token}`)).status).toBe(200);
    expect(await run('token', 'revoke', tokenId)).toBe(0);
    expect((await request(server.url).get(path_).set('Authorization', `OAuth ${token}`)).status).toBe(401);
    expect(await run('token', 'revoke', tokenId)).toBe(1);
  });

  test('refuses bad input with a usage message and exit code 2', async () => {
    const { run, errors } = cli(dbFile());
    expect(await run('token', 'create')).toBe(2);
    expect(await run('token', 'create', 'ffffffffffffffffffffffff')).toBe(2);
    expect(await run('project', 'create', '--id', 'not-hex')).toBe(2);
    expect(await run('frobnicate')).toBe(2);
    expect(errors.join('\n')).toContain('Usage: ferrite');
  });
});

test('the built binary migrates a new data file and reports it', () => {
  const dir = tempDir();
  const bin = path.resolve(__dirname, '../../dist/cli/ferrite.js');
  if (!existsSync(bin)) throw new Error('dist/ is missing: npm test builds before running jest');
  const env = { ...process.env, FERRITE_DB_FILE: path.join(dir, 'x', 'f.db') };
  expect(execFileSync('node', [bin, 'migrate'], { env, encoding: 'utf8' })).toContain('Applied 0001_init');
  expect(execFileSync('node', [bin, 'migrate'], { env, encoding: 'utf8' })).toContain('up to date');
  rmSync(dir, { recursive: true, force: true });
});
