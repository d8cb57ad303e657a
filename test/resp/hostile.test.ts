import type { TestServer } from '../helpers/server';
import {
  call,
  closeClients,
  command,
  raw,
  rawAuthed,
  redis,
  startResp,
  stillServes,
  type RawConnection,
} from './resp';

/**
 * Hostile input over TCP: each case gets an error reply or a closed connection, within bounded memory and
 * time, and the server keeps serving other connections. Small limits make the cases cheap to send.
 */

/** Short, so the idle cases end quickly; long enough for a round trip on a loaded machine. */
const IDLE_MS = 1000;
let server: TestServer;
beforeAll(async () => {
  server = await startResp({
    FERRITE_RESP_MAX_BULK_BYTES: '4096',
    FERRITE_RESP_IDLE_TIMEOUT_MS: String(IDLE_MS),
    FERRITE_RESP_MAX_CONNECTIONS: '300',
  });
});
afterEach(() => closeClients());
afterAll(() => server.destroy());

/** Sends `bytes` on an authenticated connection; returns what came back after the AUTH reply, once closed. */
async function refusedWith(bytes: string | Buffer): Promise<string> {
  const c = await rawAuthed(server);
  c.send(bytes);
  await c.closed;
  return c.received().slice('+ok\r\n'.length);
}

test.each([
  ['a count that is not a number', '*x\r\n', '-ERR Protocol error: invalid multibulk length\r\n'],
  [
    'a count line that never ends',
    `*${'9'.repeat(100)}`,
    '-ERR Protocol error: invalid multibulk length\r\n',
  ],
  ['a bulk length that is not a number', '*1\r\n$x\r\n', '-ERR Protocol error: invalid bulk length\r\n'],
  ['a negative bulk length', '*1\r\n$-1\r\n', '-ERR Protocol error: invalid bulk length\r\n'],
  [
    'a simple string where a bulk belongs',
    '*1\r\n+PING\r\n',
    "-ERR Protocol error: expected '$', got '+'\r\n",
  ],
  [
    'bulk data longer than its length',
    '*1\r\n$4\r\nPINGPONG\r\n',
    '-ERR Protocol error: invalid bulk length\r\n',
  ],
  ['a header without CR', '*1\n$4\nPING\n', '-ERR Protocol error: invalid multibulk length\r\n'],
  ['unbalanced quotes inline', 'ping "open\r\n', '-ERR Protocol error: unbalanced quotes in request\r\n'],
  [
    'a quote glued to a word inline',
    'ping "a"b\r\n',
    '-ERR Protocol error: unbalanced quotes in request\r\n',
  ],
  [
    'an inline line longer than the limit',
    `ping ${'a'.repeat(70_000)}`,
    '-ERR Protocol error: too big inline request\r\n',
  ],
])('malformed frame (%s): an error reply, then the connection is closed', async (_name, bytes, expected) => {
  expect(await refusedWith(bytes)).toBe(expected);
  expect(await stillServes(server)).toBe(true);
});

test('commands before a malformed frame are answered, in order, before the error', async () => {
  expect(
    await refusedWith(command('ping', 'a') + 'ping b\r\n' + '*1\r\n$z\r\n' + command('ping', 'never')),
  ).toBe('+Pong! a\r\n+Pong! b\r\n-ERR Protocol error: invalid bulk length\r\n');
});

test('binary garbage: answered as an unknown command, or refused before AUTH', async () => {
  const c = await rawAuthed(server);
  c.send(Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x0d, 0x0a]));
  await c.waitFor('-incorrect command\r\n');
  c.close();
  const anonymous = await raw(server);
  anonymous.send(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x0a]));
  await anonymous.closed;
  expect(anonymous.received()).toBe('-Auth Error: You Shall not pass!\r\n');
});

test('a declared 2 GB argument is refused when its length arrives, while the client is still sending', async () => {
  const c = await rawAuthed(server);
  c.send(`*3\r\n$17\r\nmsg.push.consumer\r\n$1\r\nx\r\n$2147483648\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  // The client goes on sending: the server has already answered and drops the rest.
  for (let i = 0; i < 32 && !c.isClosed(); i++) c.send(chunk);
  await c.closed;
  expect(c.received()).toBe('+ok\r\n-ERR Protocol error: invalid bulk length\r\n');
  expect(await stillServes(server)).toBe(true);
});

test('an argument just over FERRITE_RESP_MAX_BULK_BYTES is refused; one at the limit is read', async () => {
  const r = redis(server);
  await call(r, 'consumer.create', 'sized', '', '0');
  expect(await call(r, 'msg.push.consumer', 'sized', 'a'.repeat(4096))).toBe('Ok');
  expect(await refusedWith(command('msg.push.consumer', 'sized', 'a'.repeat(4097)))).toBe(
    '-ERR Protocol error: invalid bulk length\r\n',
  );
  // Arguments together may take twice the limit: a third full one is over.
  expect(await refusedWith(command('msg.fail', 'a'.repeat(4096), 'b'.repeat(4096), 'c'.repeat(10)))).toBe(
    '-ERR Protocol error: invalid bulk length\r\n',
  );
});

test('a million-element command is refused from its count, before any element', async () => {
  expect(await refusedWith('*1000000\r\n')).toBe('-ERR Protocol error: invalid multibulk length\r\n');
  expect(await refusedWith('*2147483648\r\n$4\r\nping\r\n')).toBe(
    '-ERR Protocol error: invalid multibulk length\r\n',
  );
  // 1,024 arguments is the most a command may have: answered (here, an argument-count error).
  const many = `*1024\r\n$4\r\nping\r\n${'$1\r\na\r\n'.repeat(1023)}`;
  const c = await rawAuthed(server);
  c.send(many);
  await c.waitFor('Args\r\n');
  expect(c.received()).toBe(
    '+ok\r\n-Incorrect number of arguments for ping, expected 1(messageString) but got 1023 Args\r\n',
  );
  c.close();
  expect(await stillServes(server)).toBe(true);
});

test('a half-sent command held open is cut after the idle timeout, even while it trickles in', async () => {
  const held = await rawAuthed(server);
  held.send('*2\r\n$4\r\nping\r\n$100\r\nabc');
  const trickle = await rawAuthed(server);
  trickle.send('*2\r\n$4\r\nping\r\n$100\r\n');
  const timer = setInterval(() => trickle.send('x'), IDLE_MS / 4);
  try {
    // Meanwhile other connections are served.
    expect(await stillServes(server)).toBe(true);
    await Promise.all([held.closed, trickle.closed]);
  } finally {
    clearInterval(timer);
  }
  expect(held.received()).toBe('+ok\r\n');
  expect(trickle.received()).toBe('+ok\r\n');
});

test('an idle connection is closed; a subscriber waiting for messages is not, unless it holds half a command', async () => {
  const r = redis(server);
  await call(r, 'consumer.create', 'waiting', '', '0');
  const idle = await rawAuthed(server);
  const subscriber = await rawAuthed(server);
  subscriber.send(command('subscribe', 'waiting'));
  await subscriber.waitFor(':1\r\n');
  const halfSubscriber = await rawAuthed(server);
  halfSubscriber.send(command('subscribe', 'waiting'));
  await halfSubscriber.waitFor(':1\r\n');
  halfSubscriber.send('*1\r\n$4\r\npi');
  await Promise.all([idle.closed, halfSubscriber.closed]);
  expect(subscriber.isClosed()).toBe(false);
  // `r` was idle too, and was closed: a new connection pushes.
  expect(await call(redis(server), 'msg.push.consumer', 'waiting', 'still there')).toBe('Ok');
  await subscriber.waitFor('$7\r\nmessage\r\n$7\r\nwaiting\r\n');
  subscriber.close();
});

test('a client that pipelines thousands of commands without reading is answered in full and in order, in bounded memory', async () => {
  const c = await rawAuthed(server);
  const count = 20_000;
  c.socket.pause();
  let batch = '';
  for (let i = 0; i < count; i++) batch += command('ping', String(i));
  c.send(batch);
  // While it does not read, others are served.
  expect(await stillServes(server)).toBe(true);
  c.socket.resume();
  await c.waitFor(`+Pong! ${count - 1}\r\n`);
  const replies = c.received().split('\r\n').slice(1, -1);
  expect(replies).toHaveLength(count);
  expect(replies.every((reply, i) => reply === `+Pong! ${i}`)).toBe(true);
  c.close();
});

test('thousands of idle connections: past FERRITE_RESP_MAX_CONNECTIONS each is refused with an error; the rest time out; service goes on', async () => {
  const working = redis(server);
  expect(await call(working, 'ping', 'before')).toBe('Pong! before');
  const flood: RawConnection[] = [];
  for (let i = 0; i < 2000; i += 100) {
    flood.push(...(await Promise.all(Array.from({ length: 100 }, () => raw(server)))));
  }
  // None is left open: each was refused with an error (over the cap), closed by the idle timeout, or, past
  // twice the cap, closed at once.
  await Promise.all(flood.map((c) => c.closed));
  const refusal = '-ERR max number of clients reached\r\n';
  expect(flood.every((c) => c.received() === '' || c.received() === refusal)).toBe(true);
  expect(flood.filter((c) => c.received() === refusal).length).toBeGreaterThan(0);
  for (let i = 0; i < 300 && server.resp!.connections > 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(server.resp!.connections).toBe(0);
  expect(await stillServes(server)).toBe(true);
});

describe('IP allow-list', () => {
  test('an address not on the list is dropped without a reply; one on it is served', async () => {
    const closed = await startResp({ FERRITE_RESP_IP_ALLOWLIST: '10.0.0.0/8, 192.168.1.7' });
    const open = await startResp({ FERRITE_RESP_IP_ALLOWLIST: '10.0.0.0/8,127.0.0.1' });
    try {
      const dropped = await raw(closed);
      dropped.send(command('AUTH', 'x'));
      await dropped.closed;
      expect(dropped.received()).toBe('');
      expect(await stillServes(open)).toBe(true);
    } finally {
      closeClients();
      await Promise.all([closed.destroy(), open.destroy()]);
    }
  });

  test('FERRITE_RESP_PORT=0 turns the interface off', async () => {
    const off = await startResp({ FERRITE_RESP_PORT: '0' });
    try {
      expect(off.resp).toBeNull();
    } finally {
      await off.destroy();
    }
  });
});
