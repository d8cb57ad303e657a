import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestServer } from '../helpers/server';
import { RESP_PASS, startResp } from './resp';

/**
 * The README's walk-through with Debian's redis-cli (package redis-tools, which .ci/run installs): a person at
 * a terminal, and the Go client crimsonq-cli, speak to Ferrite as to CrimsonQ.
 */

const run = promisify(execFile);
const REDIS_CLI = process.env.FERRITE_REDIS_CLI ?? 'redis-cli';

let server: TestServer;
beforeAll(async () => {
  try {
    await run(REDIS_CLI, ['--version']);
  } catch {
    throw new Error(
      `redis-cli is not installed: apt-get install -y --no-install-recommends redis-tools (or set FERRITE_REDIS_CLI)`,
    );
  }
  server = await startResp();
});
afterAll(() => server?.destroy());

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(REDIS_CLI, [
    '-h',
    '127.0.0.1',
    '-p',
    String(server.resp!.port),
    '-a',
    RESP_PASS,
    '--no-auth-warning',
    ...args,
  ]);
  return stdout;
}

test('redis-cli: create, push to a consumer and a topic, count, pull, complete, fail, retry', async () => {
  expect(await cli('ping', 'hello')).toBe('Pong! hello\n');
  expect(await cli('consumer.create', 'orders-eu', 'orders/eu/#', '2')).toBe('Created:orders-eu\n');
  expect(await cli('MSG.PUSH.CONSUMER', 'orders-eu', '{"order":1}')).toBe('Ok\n');
  expect(await cli('msg.push.topic', 'orders/eu/de', '{"order":2}')).toBe('Ok\n');
  expect(await cli('msg.counts', 'orders-eu')).toBe(
    'active:0\ncompleted:0\ndelayed:0\nfailed:0\npending:2\n',
  );
  const first = JSON.parse(await cli('msg.pull', 'orders-eu')) as {
    key: string;
    value: string;
    topic: string;
  };
  expect(first).toMatchObject({ value: '{"order":1}', topic: 'direct:orders-eu' });
  const second = JSON.parse(await cli('msg.pull', 'orders-eu')) as { key: string; topic: string };
  expect(second.topic).toBe('orders/eu/de');
  expect(await cli('msg.complete', 'orders-eu', first.key)).toBe('Ok\n');
  expect(await cli('msg.fail', 'orders-eu', second.key, 'out of stock')).toBe('Ok\n');
  expect(await cli('msg.retry', 'orders-eu', second.key)).toBe('Ok\n');
  expect(await cli('msg.keys', 'orders-eu')).toBe(`completed:${first.key}\npending:${second.key}\n`);
  // An error reply is printed as its text (and exits 0, as redis-cli does for error replies).
  expect(await cli('msg.retry', 'orders-eu', first.key)).toBe('006:incorrect message id\n\n');
  expect(await cli('msg.pull')).toBe(
    'Incorrect number of arguments for msg.pull, expected 1(consumerId) but got 0 Args\n\n',
  );
});

test('redis-cli without the password is refused', async () => {
  const { stdout } = await run(REDIS_CLI, [
    '-h',
    '127.0.0.1',
    '-p',
    String(server.resp!.port),
    'consumer.list',
  ]);
  expect(stdout).toBe('Auth Error: You Shall not pass!\n\n');
});
