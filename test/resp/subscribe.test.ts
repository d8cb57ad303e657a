import type Redis from 'ioredis';
import { api as ironmq } from '../helpers/http';
import type { TestServer } from '../helpers/server';
import { cq, login } from '../crimsonq/cq';
import { call, closeClients, command, rawAuthed, redis, startResp, stillServes } from './resp';

/**
 * SUBSCRIBE <consumerId> over RESP: the id of every new message of the consumer, whoever posted it, on the
 * channel named after the consumer; `pendingCount:<n>` at every heartbeat; an open subscription keeps the
 * consumer alive; Redis's subscribed mode.
 */

let server: TestServer;
let rest: ReturnType<typeof cq>;
beforeAll(async () => {
  server = await startResp({ FERRITE_RESP_MAX_OUTPUT_BYTES: '1024', FERRITE_DURABILITY: 'off' });
  rest = cq(server, await login(server));
});
afterEach(() => closeClients());
afterAll(() => server.destroy());

/** A subscriber's messages, and a way to wait for one. */
function listen(client: Redis) {
  const messages: [string, string][] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (channel: string, message: string) => {
    messages.push([channel, message]);
    waiters.splice(0).forEach((wake) => wake());
  });
  return {
    messages,
    /** Resolves when `message` has arrived on `channel` (already, or later). */
    next: (channel: string, message: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (messages.some(([c, m]) => c === channel && m === message)) resolve();
          else waiters.push(check);
        };
        check();
      }),
  };
}

test('every new message is announced by id: pushed over RESP or REST, posted through IronMQ, published to a topic', async () => {
  const producer = redis(server);
  await call(producer, 'consumer.create', 'feed', 'feed/#', '0');
  await call(producer, 'consumer.create', 'quiet', '', '0');
  const subscriber = redis(server);
  const inbox = listen(subscriber);
  expect(await subscriber.subscribe('feed')).toBe(1);

  await call(producer, 'msg.push.consumer', 'feed', 'over resp');
  const overRest = (await rest.post('/api/msg/push/consumer', { consumerId: 'feed', messageString: 'r' }))
    .headers['x-message-ids'] as string;
  const posted = (
    await ironmq(server)
      .post('/queues/feed/messages')
      .send({ messages: [{ body: 'i' }] })
  ).body as {
    ids: string[];
  };
  await call(producer, 'msg.push.topic', 'feed/a', 'topic over resp');
  const published = (await rest.post('/api/msg/push/topic', { topicString: 'feed/b', messageString: 't' }))
    .headers['x-message-ids'] as string;
  await call(producer, 'msg.push.consumer', 'quiet', 'elsewhere');

  const keys = ((await call(producer, 'msg.keys', 'feed')) as string[]).map((key) => key.split(':')[1]!);
  expect(keys).toHaveLength(5);
  expect(keys).toEqual(expect.arrayContaining([overRest, posted.ids[0], published]));
  await inbox.next('feed', keys[4]!);
  expect(inbox.messages).toEqual(keys.map((id) => ['feed', id]));
});

test('the heartbeat sends pendingCount:<n> to every subscriber of a consumer, and keeps it alive', async () => {
  const r = redis(server);
  await call(r, 'consumer.create', 'beat', '', '0');
  await call(r, 'msg.push.consumer', 'beat', 'a');
  await call(r, 'msg.push.consumer', 'beat', 'b');
  const one = redis(server);
  const two = redis(server);
  const [first, second] = [listen(one), listen(two)];
  await one.subscribe('beat');
  await two.subscribe('beat');
  const raw = await rawAuthed(server);
  raw.send(command('SUBSCRIBE', 'beat'));
  await raw.waitFor('*3\r\n$9\r\nsubscribe\r\n$4\r\nbeat\r\n:1\r\n');

  server.clock.advance(3_600_000);
  await server.subscriptions.heartbeat();
  await Promise.all([first.next('beat', 'pendingCount:2'), second.next('beat', 'pendingCount:2')]);
  await raw.waitFor('*3\r\n$7\r\nmessage\r\n$4\r\nbeat\r\n$14\r\npendingCount:2\r\n');
  const info = JSON.parse((await call(r, 'consumer.info', 'beat')) as string) as { lastActive: string };
  expect(info.lastActive).toBe(new Date(server.clock.now()).toISOString());

  // Without subscribers the heartbeat leaves the consumer alone: it can expire.
  raw.close();
  await one.unsubscribe('beat');
  two.disconnect();
  await raw.closed;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const marked = info.lastActive;
  server.clock.advance(3_600_000);
  await server.subscriptions.heartbeat();
  const after = JSON.parse((await call(r, 'consumer.info', 'beat')) as string) as { lastActive: string };
  expect(after.lastActive).toBe(marked);
  expect(first.messages.filter(([, m]) => m.startsWith('pendingCount'))).toHaveLength(1);
});

test("subscribed mode: only Redis's subscriber commands; PING is *2 pong; UNSUBSCRIBE leaves it; QUIT answers +OK", async () => {
  const r = redis(server);
  await call(r, 'consumer.create', 'mode', '', '0');
  await call(r, 'consumer.create', 'mode2', '', '0');
  const c = await rawAuthed(server);
  let at = c.received().length;
  const exchange = async (bytes: string, expected: string) => {
    c.send(bytes);
    await c.waitFor(expected, at);
    expect(c.received().slice(at)).toBe(expected);
    at = c.received().length;
  };
  await exchange(
    command('subscribe', 'mode', 'mode2'),
    '*3\r\n$9\r\nsubscribe\r\n$4\r\nmode\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$5\r\nmode2\r\n:2\r\n',
  );
  await exchange(
    command('msg.counts', 'mode'),
    "-ERR Can't execute 'msg.counts': only (P)SUBSCRIBE / (P)UNSUBSCRIBE / PING / QUIT are allowed in this context\r\n",
  );
  await exchange(command('PING'), '*2\r\n$4\r\npong\r\n$0\r\n\r\n');
  await exchange(command('ping', 'hi'), '*2\r\n$4\r\npong\r\n$2\r\nhi\r\n');
  await exchange(command('subscribe', 'nope'), '-001:incorrect_consumer_id\r\n');
  await exchange(command('unsubscribe', 'mode2'), '*3\r\n$11\r\nunsubscribe\r\n$5\r\nmode2\r\n:1\r\n');
  await exchange(command('unsubscribe'), '*3\r\n$11\r\nunsubscribe\r\n$4\r\nmode\r\n:0\r\n');
  await exchange(
    command('msg.counts', 'mode'),
    '*5\r\n$8\r\nactive:0\r\n$11\r\ncompleted:0\r\n$9\r\ndelayed:0\r\n$8\r\nfailed:0\r\n$9\r\npending:0\r\n',
  );
  await exchange(command('subscribe', 'mode'), '*3\r\n$9\r\nsubscribe\r\n$4\r\nmode\r\n:1\r\n');
  c.send(command('quit'));
  await c.closed;
  expect(c.received().slice(at)).toBe('+OK\r\n');
});

test('a subscription to a consumer that is destroyed stays; the consumer created again is announced again', async () => {
  const r = redis(server);
  await call(r, 'consumer.create', 'phoenix', '', '0');
  const s = redis(server);
  const inbox = listen(s);
  await s.subscribe('phoenix');
  expect(await call(r, 'consumer.destroy', 'phoenix')).toBe('ok');
  await server.subscriptions.heartbeat();
  await call(r, 'consumer.create', 'phoenix', '', '0');
  await call(r, 'msg.push.consumer', 'phoenix', 'again');
  const [key] = (await call(r, 'msg.keys', 'phoenix')) as string[];
  await inbox.next('phoenix', key!.split(':')[1]!);
});

test('a subscriber that does not read is disconnected past FERRITE_RESP_MAX_OUTPUT_BYTES; the others are served', async () => {
  // Many consumers with long ids on one topic, all subscribed by the slow connection: each published message
  // becomes many long announcements, so the socket buffers fill after a few requests.
  const ids = Array.from({ length: 20 }, (_, i) => `slow-${String(i).padStart(2, '0')}-${'x'.repeat(240)}`);
  const r = redis(server);
  for (const id of ids) await call(r, 'consumer.create', id, 'slow/#', '0');
  const reader = redis(server);
  const inbox = listen(reader);
  await reader.subscribe(ids[0]!);
  const slow = await rawAuthed(server);
  slow.send(command('subscribe', ...ids));
  await slow.waitFor(':20\r\n');
  slow.socket.pause();
  // A paused client does not see the close: the server's count of connections does.
  const open = server.resp!.connections;
  let posts = 0;
  while (server.resp!.connections === open && posts < 100) {
    const res = await ironmq(server)
      .post('/topics/messages')
      .send({ topic: 'slow/x', messages: Array.from({ length: 100 }, () => ({ body: 'x' })) });
    expect(res.status).toBe(201);
    posts++;
    // The server cuts it while it cannot write: give the close a turn to arrive.
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(server.resp!.connections).toBe(open - 1);
  slow.socket.resume();
  await slow.closed;
  expect(slow.isClosed()).toBe(true);
  const last = ((await call(r, 'msg.keys', ids[0]!)) as string[]).at(-1)!.split(':')[1]!;
  await inbox.next(ids[0]!, last);
  expect(inbox.messages).toHaveLength(posts * 100);
  expect(await stillServes(server)).toBe(true);
});
