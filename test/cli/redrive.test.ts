import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { runClient } from '../../src/cli/client/run-client';
import { api } from '../helpers/http';
import { startServer, tempDir, type TestServer } from '../helpers/server';

/** `ferrite redrive` against a real server: dead letters back where they came from, and its refusals. */

const BIN = path.resolve(__dirname, '../../dist/cli/ferrite.js');
let server: TestServer;
const dir = tempDir('ferrite-redrive-cli-');

beforeAll(async () => {
  server = await startServer();
  const http = api(server);
  await http
    .put('/queues/invoices')
    .send({ queue: { dead_letter: { queue_name: 'invoices-failed', max_reservations: 1 } } })
    .expect(200);
  const messages = Array.from({ length: 5 }, (_, i) => ({ body: `invoice ${i + 1}` }));
  await http.post('/queues/invoices/messages').send({ messages }).expect(201);
  await http.post('/queues/invoices/reservations').send({ n: 5, timeout: 1 }).expect(200);
  server.clock.advance(2000);
  await http.post('/queues/invoices/reservations').send({ n: 1 }).expect(200);
  await http.put('/queues/invoices-retry').send({}).expect(200);
});
afterAll(() => server.destroy());

const env = (): NodeJS.ProcessEnv => ({
  IRON_HOST: '127.0.0.1',
  IRON_PORT: new URL(server.url).port,
  IRON_SCHEME: 'http',
  IRON_TOKEN: server.token,
  IRON_PROJECT_ID: server.projectId,
});

async function ferrite(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runClient(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: env(),
    cwd: dir,
    home: dir,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const size = async (queue: string) => (await api(server).get(`/queues/${queue}`)).body.queue.size as number;

test('--dry-run shows where the dead letters would go and moves nothing', async () => {
  const run = await ferrite('redrive', 'invoices-failed', '--dry-run');
  expect(run).toEqual({
    code: 0,
    out: 'Queues that send their dead letters to invoices-failed: invoices.\nFROM      MESSAGES\ninvoices         5',
    err: '',
  });
  expect(await size('invoices-failed')).toBe(5);
});

test('moves the first n back, then the rest to a named queue', async () => {
  const first = await ferrite('redrive', 'invoices-failed', '-n', '2');
  expect(first).toEqual({
    code: 0,
    out: 'Moved 2 messages out of invoices-failed (2 to invoices); 3 left there.',
    err: '',
  });
  expect(await size('invoices')).toBe(2);
  const rest = await ferrite('redrive', 'invoices-failed', '--to', 'invoices-retry', '--json');
  expect(rest.code).toBe(0);
  expect(JSON.parse(rest.out)).toEqual({
    msg: 'Moved 3 messages',
    moved: 3,
    queues: { 'invoices-retry': 3 },
    skipped: 0,
    left: 0,
  });
  expect(await size('invoices-retry')).toBe(3);
});

test.each([
  [['redrive'], 2, 'a queue name is needed'],
  [['redrive', 'invoices-failed', 'extra'], 2, 'unexpected argument: extra'],
  [['redrive', 'invoices-failed', '-n', '0'], 2, '-n must be a whole number from 1 to 1000000000'],
  [['redrive', 'invoices-failed', '-n', 'all'], 2, '-n must be a whole number from 1 to 1000000000'],
  [['redrive', 'invoices-failed', '--to', ''], 2, '--to needs a queue name'],
  [['redrive', 'invoices-failed', '--dry-run', '-n', '1'], 2, '--dry-run shows where every message would go'],
  [['redrive', 'invoices-failed', '--to', 'nowhere'], 1, '404 Queue not found: nowhere (the redrive target)'],
  [['redrive', 'invoices-failed', '--to', 'invoices-failed'], 1, '400 to must name another queue'],
  [['redrive', 'no-such-queue'], 1, '404 Queue not found'],
  [['redrive', 'invoices-retry'], 1, '400 invoices-retry is not a dead-letter queue'],
])('ferrite %j exits %i saying why, and nothing moves', async (argv, code, message) => {
  const before = [await size('invoices'), await size('invoices-retry')];
  const run = await ferrite(...argv);
  expect(run.code).toBe(code);
  expect(run.err).toContain(message);
  expect([await size('invoices'), await size('invoices-retry')]).toEqual(before);
});

test('the built command redrives too', async () => {
  const http = api(server);
  await http.post('/queues/invoices/reservations').send({ n: 5, timeout: 1 }).expect(200);
  server.clock.advance(2000);
  await http.post('/queues/invoices/reservations').send({ n: 1 }).expect(200);
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'redrive', 'invoices-failed'], {
    env: { ...env(), PATH: process.env.PATH ?? '' },
    cwd: dir,
  });
  expect(stdout).toBe('Moved 2 messages out of invoices-failed (2 to invoices); 0 left there.\n');
});
