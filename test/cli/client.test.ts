import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runClient, type ClientIo } from '../../src/cli/client/run-client';
import { runCli } from '../../src/cli/commands';
import { FakeClock } from '../../src/engine/clock';
import { api } from '../helpers/http';
import { startServer, tempDir, type TestServer } from '../helpers/server';

const BIN = path.resolve(__dirname, '../../dist/cli/ferrite.js');

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startServer();
  dir = tempDir('ferrite-client-');
});
afterAll(async () => {
  await server.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The IRON_* settings a user would paste from the server's first start. */
const ironEnv = (): NodeJS.ProcessEnv => {
  const { port } = new URL(server.url);
  return {
    IRON_HOST: '127.0.0.1',
    IRON_PORT: port,
    IRON_SCHEME: 'http',
    IRON_TOKEN: server.token,
    IRON_PROJECT_ID: server.projectId,
  };
};

interface Captured {
  code: number;
  out: string[];
  err: string[];
  progress: string;
  text: string;
}

/** Runs `ferrite <argv>` in-process, capturing what it prints; iron.json is looked for in a temp dir only. */
async function ferrite(argv: string[], extra: Partial<ClientIo> = {}): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  let progress = '';
  const code = await runClient(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: ironEnv(),
    cwd: dir,
    home: dir,
    progress: { interactive: false, write: (text) => (progress += text) },
    ...extra,
  });
  return { code, out, err, progress, text: out.join('\n') };
}

describe('the ferrite client commands against a running server', () => {
  test('the ferrite command dispatches them, and lists them in its usage', async () => {
    const out: string[] = [];
    const io = {
      out: (line: string) => out.push(line),
      err: () => {},
      env: ironEnv(),
      clock: new FakeClock(),
    };
    await api(server).put('/queues/cli-dispatch').send({});
    expect(await runCli(['queues', '--prefix', 'cli-dispatch', '--json'], io)).toBe(0);
    expect(JSON.parse(out.join('\n')).queues[0].name).toBe('cli-dispatch');
    out.length = 0;
    expect(await runCli(['--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/token revoke[\s\S]*Client commands[\s\S]*post <queue> --file F/);
  });

  test('queues lists nothing at first, then each queue with its size and total', async () => {
    const empty = await ferrite(['queues', '--prefix', 'cli-list']);
    expect(empty).toMatchObject({ code: 0, out: ['No queues.'] });

    await api(server)
      .post('/queues/cli-list-a/messages')
      .send({ messages: [{ body: '1' }, { body: '2' }] });
    await api(server).put('/queues/cli-list-b').send({});
    const listed = await ferrite(['queues', '--prefix', 'cli-list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toEqual([
      'NAME        SIZE  TOTAL',
      'cli-list-a     2      2',
      'cli-list-b     0      0',
    ]);

    const json = await ferrite(['queues', '--prefix', 'cli-list', '--json']);
    const parsed = JSON.parse(json.text) as { queues: { name: string; size: number }[] };
    expect(parsed.queues.map((q) => [q.name, q.size])).toEqual([
      ['cli-list-a', 2],
      ['cli-list-b', 0],
    ]);
  });

  test('queues follows the pages past 100 queues', async () => {
    for (let i = 0; i < 105; i++) {
      await api(server)
        .put(`/queues/cli-many-${String(i).padStart(3, '0')}`)
        .send({});
    }
    const listed = await ferrite(['queues', '--prefix', 'cli-many-', '--json']);
    expect((JSON.parse(listed.text) as { queues: unknown[] }).queues).toHaveLength(105);
  });

  test('post, info, peek, reserve, delete and clear: a session in text', async () => {
    const queue = 'cli jobs';
    const posted = await ferrite(['post', queue, 'resize photo 1', 'resize photo 2', 'line one\nline two']);
    expect(posted.code).toBe(0);
    expect(posted.out).toHaveLength(3);
    expect(posted.out.every((id) => /^\d+$/.test(id))).toBe(true);
    const [first, second, third] = posted.out;

    const info = await ferrite(['info', queue]);
    expect(info.code).toBe(0);
    expect(info.out).toContain('name:               cli jobs');
    expect(info.text).toMatch(/^size: +3$/m);
    expect(info.text).toMatch(/^total_messages: +3$/m);

    const peeked = await ferrite(['peek', queue, '-n', '5']);
    expect(peeked.out).toEqual([
      `id=${first}  reserved_count=0`,
      '  resize photo 1',
      `id=${second}  reserved_count=0`,
      '  resize photo 2',
      `id=${third}  reserved_count=0`,
      '  line one',
      '  line two',
    ]);

    const reserved = await ferrite(['reserve', queue, '-n', '2', '--timeout', '30']);
    expect(reserved.code).toBe(0);
    expect(reserved.out[0]).toMatch(
      new RegExp(`^id=${first}  reserved_count=1  reservation_id=[0-9a-f]{32}  reserved_until=\\S+Z$`),
    );
    const reservationId = /reservation_id=(\w+)/.exec(reserved.out[0]!)![1]!;

    const refused = await ferrite(['delete', queue, first!]);
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/^ferrite delete: 403 /);

    const deleted = await ferrite(['delete', queue, first!, '--reservation-id', reservationId]);
    expect(deleted).toMatchObject({ code: 0, out: [`Deleted message ${first} from cli jobs.`] });

    const popped = await ferrite(['reserve', queue, '--delete', '--json']);
    const [message] = (JSON.parse(popped.text) as { messages: { id: string; body: string }[] }).messages;
    expect(message).toMatchObject({ id: third, body: 'line one\nline two' });

    const cleared = await ferrite(['clear', queue]);
    expect(cleared).toMatchObject({ code: 0, out: ['Cleared cli jobs.'] });
    expect(JSON.parse((await ferrite(['info', queue, '--json'])).text)).toMatchObject({
      queue: { name: queue, size: 0, total_messages: 3 },
    });
    expect((await ferrite(['reserve', queue])).out).toEqual(['No messages.']);
  });

  test('delete with several ids deletes them all, or none when one cannot be', async () => {
    const queue = 'cli-batch';
    const ids = (await ferrite(['post', queue, 'a', 'b', 'c'])).out;
    const refused = await ferrite(['delete', queue, ids[0]!, '999999', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/404/);
    const deleted = await ferrite(['delete', queue, ...ids, '--json']);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.text)).toEqual({ msg: 'Deleted' });
    expect(JSON.parse((await ferrite(['info', queue, '--json'])).text).queue.size).toBe(0);
  });

  test('post --file sends one message per line in batches of 100, with a progress bar', async () => {
    const file = path.join(dir, 'lines.txt');
    writeFileSync(file, `${Array.from({ length: 250 }, (_, i) => `message ${i}`).join('\r\n')}\r\n\r\n`);
    const requests: string[] = [];
    const counting: typeof fetch = (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${input instanceof Request ? input.url : input.toString()}`);
      return fetch(input, init);
    };
    const posted = await ferrite(['post', 'cli-file', '--file', file, '--delay', '0'], { fetch: counting });
    expect(posted.code).toBe(0);
    expect(requests.filter((r) => r.startsWith('POST'))).toHaveLength(3);
    expect(posted.out).toEqual([
      expect.stringMatching(/^Posted 250 messages to cli-file \(ids \d+…\d+\)\.$/),
    ]);
    // Not a terminal: a line per tenth, on the progress sink (stderr), never on stdout.
    const lines = posted.progress.trimEnd().split('\n');
    expect(lines[0]).toBe(`[${'.'.repeat(30)}]   0%  0/250 messages`);
    expect(lines.at(-1)).toBe(`[${'#'.repeat(30)}] 100%  250/250 messages`);
    expect(lines.length).toBeLessThanOrEqual(11);

    const peeked = JSON.parse((await ferrite(['peek', 'cli-file', '-n', '2', '--json'])).text);
    expect(peeked.messages.map((m: { body: string }) => m.body)).toEqual(['message 0', 'message 1']);
    expect(JSON.parse((await ferrite(['info', 'cli-file', '--json'])).text).queue.size).toBe(250);
  });

  test('on a terminal the bar is redrawn in place', async () => {
    const file = path.join(dir, 'tty.txt');
    writeFileSync(file, Array.from({ length: 150 }, (_, i) => `m${i}`).join('\n'));
    let drawn = '';
    const posted = await ferrite(['post', 'cli-tty', '-f', file], {
      progress: { interactive: true, write: (text) => (drawn += text) },
    });
    expect(posted.code).toBe(0);
    expect(drawn.split('\r').filter(Boolean)).toEqual([
      `[${'.'.repeat(30)}]   0%  0/150 messages`,
      `[${'#'.repeat(20)}${'.'.repeat(10)}]  66%  100/150 messages`,
      `[${'#'.repeat(30)}] 100%  150/150 messages\n`,
    ]);
    const quiet = await ferrite(['post', 'cli-tty', '-f', file, '--quiet'], {
      progress: { interactive: true, write: (text) => (drawn += `UNEXPECTED ${text}`) },
    });
    expect(quiet.code).toBe(0);
    expect(drawn).not.toContain('UNEXPECTED');
  });

  test('errors: a missing queue is 1 with the server message, bad usage is 2, no server is 1', async () => {
    const missing = await ferrite(['info', 'cli-no-such-queue']);
    expect(missing).toMatchObject({ code: 1, err: ['ferrite info: 404 Queue not found'] });

    expect((await ferrite(['reserve', 'q', '-n', '1000'])).code).toBe(2);
    expect((await ferrite(['post', 'q'])).code).toBe(2);
    expect((await ferrite(['info'])).code).toBe(2);
    const unknown = await ferrite(['peek', 'q', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err.join('\n')).toContain('Client commands');

    const noToken = await ferrite(['queues'], { env: { IRON_PROJECT_ID: server.projectId } });
    expect(noToken.code).toBe(2);
    expect(noToken.err.join('\n')).toContain('missing IRON_TOKEN');

    const wrongToken = await ferrite(['queues'], {
      env: { ...ironEnv(), IRON_TOKEN: 'not-a-token-of-anyone' },
    });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.err.join('\n')).toMatch(/401/);

    const closed = await startServer();
    const port = new URL(closed.url).port;
    await closed.destroy();
    const down = await ferrite(['queues'], { env: { ...ironEnv(), IRON_PORT: port } });
    expect(down.code).toBe(1);
    expect(down.err.join('\n')).toContain(`cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  test('settings come from flags, then IRON_* env, then ./iron.json, then ~/.iron.json', async () => {
    const { port } = new URL(server.url);
    const cwd = path.join(dir, 'project');
    const home = path.join(dir, 'home');
    mkdirSync(cwd, { recursive: true });
    mkdirSync(home, { recursive: true });
    const queue = 'cli-settings';
    await api(server).put(`/queues/${queue}`).send({});

    // Only ~/.iron.json: host, port and credentials from it.
    writeFileSync(
      path.join(home, '.iron.json'),
      JSON.stringify({
        host: '127.0.0.1',
        port: Number(port),
        token: server.token,
        project_id: server.projectId,
      }),
    );
    const fromHome = await ferrite(['info', queue], { env: {}, cwd, home });
    expect(fromHome.code).toBe(0);

    // ./iron.json wins over ~/.iron.json, and its iron_mq object over its top level (Python's protocol too).
    writeFileSync(
      path.join(cwd, 'iron.json'),
      JSON.stringify({
        token: 'wrong-top-level-token',
        protocol: 'http',
        iron_mq: { token: server.token },
      }),
    );
    expect((await ferrite(['info', queue], { env: {}, cwd, home })).code).toBe(0);
    writeFileSync(path.join(cwd, 'iron.json'), JSON.stringify({ port: 1 }));
    expect((await ferrite(['info', queue], { env: {}, cwd, home })).code).toBe(1);

    // The environment wins over both files; a flag wins over the environment.
    expect((await ferrite(['info', queue], { env: { IRON_PORT: port }, cwd, home })).code).toBe(0);
    expect((await ferrite(['info', queue], { env: { IRON_PORT: '1' }, cwd, home })).code).toBe(1);
    expect(
      (await ferrite(['info', queue, '--port', port], { env: { IRON_PORT: '1' }, cwd, home })).code,
    ).toBe(0);
    expect(
      (await ferrite(['info', queue], { env: { IRON_PORT: port, IRON_MQ_TOKEN: 'x' }, cwd, home })).code,
    ).toBe(1);

    writeFileSync(path.join(cwd, 'iron.json'), '{ not json');
    const broken = await ferrite(['info', queue], { env: {}, cwd, home });
    expect(broken.code).toBe(2);
    expect(broken.err.join('\n')).toContain('iron.json is not valid JSON');
  });
});

test('the built binary posts a file and peeks it, with a line-per-tenth progress on stderr', async () => {
  if (!existsSync(BIN)) throw new Error('dist/ is missing: npm test builds before running jest');
  const file = path.join(dir, 'bin-lines.txt');
  writeFileSync(file, Array.from({ length: 120 }, (_, i) => `from the bin ${i}`).join('\n'));
  // Asynchronous: the server answering these requests runs in this same process.
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...ironEnv() },
      cwd: dir,
    });
  const posted = await run('post', 'cli-bin', '--file', file);
  expect(posted.stdout).toMatch(/^Posted 120 messages to cli-bin \(ids \d+…\d+\)\.\n$/);
  expect(posted.stderr).toContain('100%  120/120 messages');

  const peeked = await run('peek', 'cli-bin', '--json');
  expect(JSON.parse(peeked.stdout).messages[0].body).toBe('from the bin 0');

  const help = await run('--help');
  expect(help.stdout).toContain('reserve <queue>');
});
