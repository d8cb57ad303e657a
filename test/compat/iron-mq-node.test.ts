/**
 * Wire compatibility with the official Node client, npm `iron_mq` 0.9.3 (on iron_core 0.2.7 and `request`
 * 2.53), over real HTTP against a real server. Every assertion is on what the client hands back to its caller,
 * cross-checked where useful through the server's own HTTP API or its store.
 *
 * Pull-queue methods covered: create_queue, update_queue, update, info, queues (per_page/previous/prefix),
 * del_queue, post (string, array, objects with delay), reserve / get (n, timeout, wait, delete), get_n,
 * peek / peek_n, msg_get, del (with and without reservation_id), del_multiple (ids and reservation_ids),
 * msg_touch, msg_release (with delay), clear, and errors (missing queue, bad token, wrong project).
 *
 * Push-queue methods covered: add_subscribers, rpl_subscribers, rm_subscribers, msg_push_statuses,
 * del_msg_push_status (= del with reservation_id and subscriber_name), against real local receivers.
 */
import { performance } from 'node:perf_hooks';
import { Client, type Callback, type Message, type ResponseBody } from 'iron_mq';
import { api } from '../helpers/http';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startServer, type TestServer } from '../helpers/server';
import { clientOptions, ironQueue, type IronQueue } from './iron-mq-client';

let server: TestServer;
const savedNoProxy = process.env.NO_PROXY;

beforeAll(async () => {
  // `request` 2.53 routes plain-HTTP calls through $HTTP_PROXY unless NO_PROXY says otherwise.
  process.env.NO_PROXY = '*';
  // The push tests deliver to receivers on 127.0.0.1, which the default configuration refuses.
  server = await startServer({ env: { FERRITE_PUSH_ALLOW_PRIVATE: 'true' } });
});

afterAll(async () => {
  if (savedNoProxy === undefined) delete process.env.NO_PROXY;
  else process.env.NO_PROXY = savedNoProxy;
  await server.destroy();
});

const SECOND = 1000;
const RESERVATION_ID = /^[0-9a-f]{32}$/;

function mq(queueName: string): IronQueue {
  return ironQueue(server, queueName);
}

/** Reserve with n absent: one message, which the test needs to be there. */
async function reserveOne(
  queue: IronQueue,
  options: Parameters<IronQueue['reserve']>[0] = {},
): Promise<Message> {
  const message = await queue.reserve(options);
  expect(message).toBeDefined();
  return message!;
}

async function sizeOf(name: string): Promise<number> {
  const queue = await server.store.getQueue(server.projectId, name);
  if (!queue) throw new Error(`queue ${name} is missing`);
  return queue.size;
}

describe('configuration', () => {
  test('the client uses exactly the options given, nothing from files or IRON_* env vars', () => {
    const client = new Client(clientOptions(server, { queue_name: 'cfg' }));
    expect(client.api.options).toEqual({
      project_id: server.projectId,
      token: server.token,
      host: '127.0.0.1',
      port: server.port,
      scheme: 'http',
      api_version: 3,
      user_agent: '0.9.3',
      queue_name: 'cfg',
    });
    expect(client.queue('other').api.options).toEqual({ ...client.api.options, queue_name: 'other' });
  });
});

describe('queues', () => {
  test('create_queue with settings returns the queue, as stored', async () => {
    const body = await mq('default').createQueue('created', {
      message_timeout: 120,
      message_expiration: 3600,
    });
    expect(body.queue).toMatchObject({
      name: 'created',
      project_id: server.projectId,
      message_timeout: 120,
      message_expiration: 3600,
      type: 'pull',
    });
    const stored = await server.store.getQueue(server.projectId, 'created');
    expect(stored).toMatchObject({ messageTimeout: 120, messageExpiration: 3600, type: 'pull' });
  });

  test('create_queue without settings creates a queue with the defaults', async () => {
    const body = await mq('default').createQueue('created-defaults');
    expect(body.queue).toMatchObject({
      name: 'created-defaults',
      message_timeout: 60,
      message_expiration: 604800,
    });
    const info = await mq('created-defaults').info();
    expect(info).toMatchObject({ name: 'created-defaults', size: 0, total_messages: 0 });
  });

  test('info returns the queue object with size and total_messages', async () => {
    const queue = mq('info-q');
    await queue.post(['a', 'b', 'c']);
    const reserved = await reserveOne(queue);
    await queue.del(reserved.id, { reservation_id: reserved.reservation_id! });
    const info = await queue.info();
    expect(info).toMatchObject({
      name: 'info-q',
      project_id: server.projectId,
      size: 2,
      total_messages: 3,
      message_timeout: 60,
      message_expiration: 604800,
    });
    const http = await api(server).get('/queues/info-q');
    expect(http.body.queue).toEqual(info);
  });

  test('update_queue and update change settings and return the updated queue', async () => {
    const queue = mq('updated');
    await queue.createQueue('updated', {});
    const byName = await queue.updateQueue('updated', { message_timeout: 90 });
    expect(byName.queue).toMatchObject({ name: 'updated', message_timeout: 90, message_expiration: 604800 });

    const bound = await queue.update({ message_expiration: 7200 });
    expect(bound.queue).toMatchObject({ name: 'updated', message_timeout: 90, message_expiration: 7200 });
    expect(await queue.info()).toMatchObject({ message_timeout: 90, message_expiration: 7200 });
  });

  test('update_queue of a missing queue is an error', async () => {
    await expect(mq('default').updateQueue('never-created', { message_timeout: 90 })).rejects.toThrow(
      'Queue not found',
    );
    expect(await server.store.getQueue(server.projectId, 'never-created')).toBeNull();
  });

  test('queues lists by name with prefix, per_page and previous', async () => {
    const root = mq('default');
    for (const name of ['lst-d', 'lst-b', 'lst-a', 'lst-c', 'lsx-a']) await root.createQueue(name, {});

    const all = await root.queues({ prefix: 'lst-' });
    expect(all.map((q) => q.name)).toEqual(['lst-a', 'lst-b', 'lst-c', 'lst-d']);

    const page1 = await root.queues({ prefix: 'lst-', per_page: 2 });
    expect(page1.map((q) => q.name)).toEqual(['lst-a', 'lst-b']);
    const page2 = await root.queues({ prefix: 'lst-', per_page: 2, previous: 'lst-b' });
    expect(page2.map((q) => q.name)).toEqual(['lst-c', 'lst-d']);
    const page3 = await root.queues({ prefix: 'lst-', per_page: 2, previous: 'lst-d' });
    expect(page3).toEqual([]);

    const unfiltered = await root.queues({ per_page: 100 });
    const names = unfiltered.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['lst-a', 'lsx-a']));
    expect(names).toEqual([...names].sort());
  });

  test('del_queue deletes the queue and its messages', async () => {
    const queue = mq('doomed');
    await queue.post('bye');
    expect(await queue.delQueue()).toEqual({ msg: 'Deleted' });
    expect(await server.store.getQueue(server.projectId, 'doomed')).toBeNull();
    await expect(queue.delQueue()).rejects.toThrow('Queue not found');
  });

  test('a queue name with a space, colon, plus and equals sign round-trips', async () => {
    // The client interpolates names raw; url.parse escapes the space only.
    const name = 'odd name:a+b=c';
    const queue = mq(name);
    const id = await queue.post('hi');
    expect(await queue.info()).toMatchObject({ name, size: 1 });
    expect(await queue.msgGet(id)).toMatchObject({ id, body: 'hi' });
    expect(await server.store.getQueue(server.projectId, name)).not.toBeNull();
  });
});

describe('posting', () => {
  test('post of one string returns its id', async () => {
    const queue = mq('post-one');
    const id = await queue.post('hello');
    expect(typeof id).toBe('string');
    expect(await queue.msgGet(id)).toMatchObject({ id, body: 'hello', reserved_count: 0 });
  });

  test('post of an array of strings returns the ids in order', async () => {
    const queue = mq('post-many');
    const ids = await queue.post(['one', 'two', 'three']);
    expect(Array.isArray(ids)).toBe(true);
    expect(ids).toHaveLength(3);
    const bodies = await Promise.all((ids as string[]).map(async (id) => (await queue.msgGet(id)).body));
    expect(bodies).toEqual(['one', 'two', 'three']);
    expect(await sizeOf('post-many')).toBe(3);
  });

  test('post of a single-element array returns one id, not an array', async () => {
    const id = await mq('post-single-array').post(['only']);
    expect(typeof id).toBe('string');
  });

  test('post of objects honours delay', async () => {
    const queue = mq('post-delay');
    const ids = (await queue.post([{ body: 'later', delay: 30 }, { body: 'now' }])) as string[];
    expect(ids).toHaveLength(2);

    expect((await queue.peekN({ n: 10 })).map((m) => m.body)).toEqual(['now']);
    const first = await reserveOne(queue);
    expect(first).toMatchObject({ id: ids[1], body: 'now' });
    expect(await queue.reserve()).toBeUndefined();

    server.clock.advance(30 * SECOND);
    const later = await reserveOne(queue);
    expect(later).toMatchObject({ id: ids[0], body: 'later', reserved_count: 1 });
  });

  test('message bodies keep unicode and JSON text as-is', async () => {
    const queue = mq('post-unicode');
    const body = JSON.stringify({ text: 'héllo wörld ✓ 🚀', n: 1 });
    const id = await queue.post(body);
    expect((await queue.msgGet(id)).body).toBe(body);
    expect((await reserveOne(queue)).body).toBe(body);
  });
});

describe('reserving', () => {
  test('reserve without n returns one message with a reservation', async () => {
    const queue = mq('res-one');
    const id = await queue.post('m1');
    const message = await reserveOne(queue);
    expect(message).toMatchObject({ id, body: 'm1', reserved_count: 1 });
    expect(message.reservation_id).toMatch(RESERVATION_ID);
    // Reserved, so no longer visible to peek or reserve.
    expect(await queue.peekN({ n: 10 })).toEqual([]);
    expect(await queue.reserve()).toBeUndefined();
  });

  test('reserve on an empty queue returns undefined, get_n an empty array', async () => {
    const queue = mq('res-empty');
    await queue.createQueue('res-empty', {});
    expect(await queue.reserve()).toBeUndefined();
    expect(await queue.get({ n: 1 })).toBeUndefined();
    expect(await queue.getN({ n: 5 })).toEqual([]);
  });

  test('get with n > 1 returns an array, get_n too', async () => {
    const queue = mq('res-n');
    const ids = (await queue.post(['a', 'b', 'c', 'd', 'e'])) as string[];
    const two = await queue.reserveMany({ n: 2 });
    expect(two.map((m) => m.id)).toEqual(ids.slice(0, 2));
    const rest = await queue.getN({ n: 10 });
    expect(rest.map((m) => m.body)).toEqual(['c', 'd', 'e']);
    for (const m of [...two, ...rest]) expect(m.reservation_id).toMatch(RESERVATION_ID);
    const ridSet = new Set([...two, ...rest].map((m) => m.reservation_id));
    expect(ridSet.size).toBe(5);
  });

  test('get_n with n = 1 returns a one-element array', async () => {
    const queue = mq('res-getn-1');
    await queue.post(['x', 'y']);
    const one = await queue.getN({ n: 1 });
    expect(one).toHaveLength(1);
    expect(one[0]!.body).toBe('x');
  });

  test('reserve with delete removes the messages at once', async () => {
    const queue = mq('res-delete');
    const ids = (await queue.post(['p1', 'p2', 'p3'])) as string[];
    const popped = await queue.getMany({ n: 2, delete: true });
    expect(popped.map((m) => m.body)).toEqual(['p1', 'p2']);
    expect(await sizeOf('res-delete')).toBe(1);
    await expect(queue.msgGet(ids[0]!)).rejects.toThrow();
    expect((await queue.info()).size).toBe(1);
  });

  test('reserve with timeout holds the message that long, then re-delivers it', async () => {
    const queue = mq('res-timeout');
    const id = await queue.post('t');
    const first = await reserveOne(queue, { timeout: 40 });
    expect(first.id).toBe(id);

    server.clock.advance(39 * SECOND);
    expect(await queue.reserve()).toBeUndefined();
    server.clock.advance(2 * SECOND);
    const again = await reserveOne(queue);
    expect(again).toMatchObject({ id, reserved_count: 2 });
    expect(again.reservation_id).not.toBe(first.reservation_id);
  });

  test('a timed-out reservation is re-delivered with reserved_count 2; only the new reservation deletes', async () => {
    const queue = mq('res-redeliver');
    const id = await queue.post('job');
    const first = await reserveOne(queue);
    expect(first.reserved_count).toBe(1);

    server.clock.advance(61 * SECOND); // the queue's message_timeout is 60 s
    const second = await reserveOne(queue);
    expect(second).toMatchObject({ id, body: 'job', reserved_count: 2 });
    expect(second.reservation_id).not.toBe(first.reservation_id);

    await expect(queue.del(id, { reservation_id: first.reservation_id! })).rejects.toThrow();
    expect(await queue.del(id, { reservation_id: second.reservation_id! })).toEqual({ msg: 'Deleted' });
    expect(await sizeOf('res-redeliver')).toBe(0);
  });

  test('long-poll wait returns as soon as a message is posted meanwhile', async () => {
    const queue = mq('res-wait');
    await queue.createQueue('res-wait', {});
    const started = performance.now();
    const waiting = queue.reserve({ wait: 2 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const id = await mq('res-wait').post('arrived');
    const message = await waiting;
    const elapsed = performance.now() - started;
    expect(message).toMatchObject({ id, body: 'arrived', reserved_count: 1 });
    // It parked (the post came 200 ms in) and woke on the post, well before the 2 s wait ran out.
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1500);
  });

  test('long-poll wait on an empty queue returns nothing after the wait', async () => {
    const queue = mq('res-wait-empty');
    await queue.createQueue('res-wait-empty', {});
    const started = performance.now();
    expect(await queue.reserve({ wait: 1 })).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('peeking and getting by id', () => {
  test('peek returns the next message without reserving it; peek_n returns several', async () => {
    const queue = mq('peek-q');
    const ids = (await queue.post(['a', 'b', 'c', 'd'])) as string[];

    const first = await queue.peek();
    expect(first).toMatchObject({ id: ids[0], body: 'a', reserved_count: 0 });
    expect(first?.reservation_id).toBeUndefined();

    const three = await queue.peekMany({ n: 3 });
    expect(three.map((m) => m.id)).toEqual(ids.slice(0, 3));
    expect((await queue.peekN({ n: 10 })).map((m) => m.body)).toEqual(['a', 'b', 'c', 'd']);
    expect(await queue.peekN()).toHaveLength(1);

    // Peeking reserved nothing.
    expect((await reserveOne(queue)).id).toBe(ids[0]);
    expect(await sizeOf('peek-q')).toBe(4);
  });

  test('peek on an empty queue returns undefined, peek_n an empty array', async () => {
    const queue = mq('peek-empty');
    await queue.createQueue('peek-empty', {});
    expect(await queue.peek()).toBeUndefined();
    expect(await queue.peekN({ n: 5 })).toEqual([]);
  });

  test('msg_get returns the message, reserved or not', async () => {
    const queue = mq('msg-get');
    const id = await queue.post('look');
    expect(await queue.msgGet(id)).toMatchObject({ id, body: 'look', reserved_count: 0 });
    const reserved = await reserveOne(queue);
    const got = await queue.msgGet(id);
    expect(got).toMatchObject({
      id,
      body: 'look',
      reserved_count: 1,
      reservation_id: reserved.reservation_id,
    });
  });

  test('msg_get of an unknown message id is an error', async () => {
    const queue = mq('msg-get-missing');
    await queue.post('x');
    // The client turns the 404 of a GET it unwraps into its own "Unknown error".
    await expect(queue.msgGet('1')).rejects.toThrow('Unknown error');
    const http = await api(server).get('/queues/msg-get-missing/messages/1');
    expect(http.status).toBe(404);
    expect(http.body).toEqual({ msg: 'Message not found' });
  });
});

describe('deleting', () => {
  test('del of an unreserved message needs no reservation_id', async () => {
    const queue = mq('del-plain');
    const id = await queue.post('x');
    expect(await queue.del(id)).toEqual({ msg: 'Deleted' });
    await expect(queue.msgGet(id)).rejects.toThrow();
    expect(await sizeOf('del-plain')).toBe(0);
  });

  test('del of a reserved message needs its reservation_id', async () => {
    const queue = mq('del-reserved');
    const id = await queue.post('x');
    const reserved = await reserveOne(queue);

    await expect(queue.del(id)).rejects.toThrow(/reserv/i);
    await expect(queue.del(id, { reservation_id: 'f'.repeat(32) })).rejects.toThrow(/reservation/i);
    expect(await sizeOf('del-reserved')).toBe(1);

    expect(await queue.del(id, { reservation_id: reserved.reservation_id! })).toEqual({ msg: 'Deleted' });
    expect(await sizeOf('del-reserved')).toBe(0);
    await expect(queue.del(id)).rejects.toThrow('Message not found');
  });

  test('del_multiple with ids deletes those messages', async () => {
    const queue = mq('del-multi-ids');
    const ids = (await queue.post(['a', 'b', 'c'])) as string[];
    expect(await queue.delMultiple({ ids: [ids[0]!, ids[2]!] })).toEqual({ msg: 'Deleted' });
    expect((await queue.peekN({ n: 10 })).map((m) => m.id)).toEqual([ids[1]]);
  });

  test('del_multiple with reservation_ids deletes reserved messages', async () => {
    const queue = mq('del-multi-rids');
    await queue.post(['a', 'b', 'c']);
    const reserved = await queue.getMany({ n: 2 });
    // The client picks id and reservation_id off the reserved messages themselves.
    expect(await queue.delMultiple({ reservation_ids: reserved })).toEqual({ msg: 'Deleted' });
    expect(await sizeOf('del-multi-rids')).toBe(1);
    expect((await queue.peekN({ n: 10 })).map((m) => m.body)).toEqual(['c']);
  });

  test('del_multiple of reserved messages by ids alone is refused, all or nothing', async () => {
    const queue = mq('del-multi-refused');
    const ids = (await queue.post(['a', 'b'])) as string[];
    await reserveOne(queue);
    await expect(queue.delMultiple({ ids })).rejects.toThrow(/reserv/i);
    expect(await sizeOf('del-multi-refused')).toBe(2);
  });

  test('clear removes every message and keeps the queue', async () => {
    const queue = mq('clear-q');
    await queue.post(['a', 'b', 'c']);
    await reserveOne(queue);
    expect(await queue.clear()).toEqual({ msg: 'Cleared' });
    expect(await queue.info()).toMatchObject({ name: 'clear-q', size: 0 });
    expect(await queue.peekN({ n: 10 })).toEqual([]);
  });
});

describe('touch and release', () => {
  test('msg_touch returns a new reservation id; only the new one deletes', async () => {
    const queue = mq('touch-q');
    const id = await queue.post('x');
    const reserved = await reserveOne(queue);

    const touched = await queue.msgTouch(id, reserved.reservation_id!);
    expect(touched.msg).toBe('Touched');
    expect(touched.reservation_id).toMatch(RESERVATION_ID);
    expect(touched.reservation_id).not.toBe(reserved.reservation_id);

    await expect(queue.del(id, { reservation_id: reserved.reservation_id! })).rejects.toThrow();
    expect(await queue.del(id, { reservation_id: touched.reservation_id as string })).toEqual({
      msg: 'Deleted',
    });
  });

  test('msg_touch with timeout extends the reservation by that long', async () => {
    const queue = mq('touch-timeout');
    const id = await queue.post('x');
    const reserved = await reserveOne(queue);
    server.clock.advance(50 * SECOND);
    const touched = await queue.msgTouch(id, reserved.reservation_id!, { timeout: 120 });

    server.clock.advance(100 * SECOND); // past the original 60 s, within the touch
    expect(await queue.reserve()).toBeUndefined();
    expect(await queue.del(id, { reservation_id: touched.reservation_id as string })).toEqual({
      msg: 'Deleted',
    });
  });

  test('msg_touch with a stale reservation id is an error', async () => {
    const queue = mq('touch-stale');
    const id = await queue.post('x');
    await reserveOne(queue);
    await expect(queue.msgTouch(id, 'a'.repeat(32))).rejects.toThrow(/reservation/i);
  });

  test('msg_release makes the message available again at once', async () => {
    const queue = mq('release-now');
    const id = await queue.post('x');
    const reserved = await reserveOne(queue);
    expect(await queue.msgRelease(id, reserved.reservation_id!)).toEqual({ msg: 'Released' });
    const again = await reserveOne(queue);
    expect(again).toMatchObject({ id, reserved_count: 2 });
  });

  test('msg_release with delay hides the message until the delay has passed', async () => {
    const queue = mq('release-delay');
    const id = await queue.post('x');
    const reserved = await reserveOne(queue);
    expect(await queue.msgRelease(id, reserved.reservation_id!, { delay: 10 })).toEqual({ msg: 'Released' });

    expect(await queue.reserve()).toBeUndefined();
    expect(await queue.peekN({ n: 10 })).toEqual([]);
    server.clock.advance(10 * SECOND);
    const again = await reserveOne(queue);
    expect(again).toMatchObject({ id, reserved_count: 2 });
    expect(again.reservation_id).not.toBe(reserved.reservation_id);
  });

  test('msg_release with a stale reservation id is an error', async () => {
    const queue = mq('release-stale');
    const id = await queue.post('x');
    await reserveOne(queue);
    await expect(queue.msgRelease(id, 'b'.repeat(32))).rejects.toThrow(/reservation/i);
  });
});

describe('push queues', () => {
  let receivers: Receiver[] = [];
  afterEach(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    receivers = [];
  });
  async function receiver(...replies: number[]): Promise<Receiver> {
    const started = await startReceiver({ replies });
    receivers.push(started);
    return started;
  }

  /** Runs one of the client's callback methods; add/rpl/rm_subscribers and del call back twice (a client bug). */
  function viaClient<T>(run: (cb: Callback<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      run((error, value) => (error ? reject(error) : resolve(value))),
    );
  }

  /** Resolves once every subscriber of the message is done. */
  function completed(messageId: string): Promise<void> {
    return new Promise((resolve) => {
      const listener = (event: { messageId: string }) => {
        if (event.messageId !== messageId) return;
        server.engine.events.off('push:completed', listener);
        resolve();
      };
      server.engine.events.on('push:completed', listener);
    });
  }

  interface PushStatus {
    name: string;
    status: string;
    status_code?: number;
    reservation_id?: string;
  }

  test('add_subscribers, rpl_subscribers and rm_subscribers change where new messages go', async () => {
    const [a, b, c] = [await receiver(), await receiver(), await receiver()];
    const queue = mq('node-push');
    const created = await queue.createQueue('node-push', {
      type: 'multicast',
      push: { subscribers: [{ name: 'a', url: a.url() }] },
    });
    expect(created.queue).toMatchObject({ type: 'multicast', push: { subscribers: [{ name: 'a' }] } });
    const client = queue.client;

    // The client wraps a single subscriber in an array itself.
    expect(
      await viaClient<ResponseBody>((cb) => client.add_subscribers({ name: 'b', url: b.url() }, cb)),
    ).toEqual({ msg: 'Updated' });
    let id = await queue.post('to a and b');
    await completed(id);
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);

    expect(
      await viaClient<ResponseBody>((cb) => client.rpl_subscribers([{ name: 'c', url: c.url() }], cb)),
    ).toEqual({ msg: 'Updated' });
    id = await queue.post('to c');
    await completed(id);
    expect([a.requests.length, b.requests.length, c.requests.length]).toEqual([1, 1, 1]);

    await viaClient<ResponseBody>((cb) => client.add_subscribers([{ name: 'a', url: a.url() }], cb));
    expect(await viaClient<ResponseBody>((cb) => client.rm_subscribers({ name: 'c' }, cb))).toEqual({
      msg: 'Updated',
    });
    id = await queue.post('to a again');
    await completed(id);
    expect(a.requests.map((r) => r.body)).toEqual(['to a and b', 'to a again']);
    expect(c.requests).toHaveLength(1);
    expect(((await queue.info()).push as { subscribers: { name: string }[] }).subscribers).toEqual([
      expect.objectContaining({ name: 'a' }),
    ]);
  });

  test('msg_push_statuses reports each subscriber; del_msg_push_status acknowledges a 202', async () => {
    const [fine, slowWorker] = [await receiver(200), await receiver(202)];
    const queue = mq('node-push-statuses');
    await queue.createQueue('node-push-statuses', {
      push: {
        subscribers: [
          { name: 'fine', url: fine.url() },
          { name: 'worker', url: slowWorker.url() },
        ],
      },
    });
    const held = new Promise<void>((resolve) => server.engine.events.once('push:held', () => resolve()));
    const id = await queue.post('job');
    await held;
    const client = queue.client;

    const statuses = async () =>
      (await viaClient<ResponseBody>((cb) => client.msg_push_statuses(id, cb))).subscribers as PushStatus[];
    const before = await statuses();
    expect(before).toEqual([
      expect.objectContaining({ name: 'fine', status: 'deleted', status_code: 200 }),
      expect.objectContaining({ name: 'worker', status: 'reserved', status_code: 202 }),
    ]);
    const reservationId = slowWorker.requests[0]!.headers['iron-reservation-id'] as string;
    expect(before[1]!.reservation_id).toBe(reservationId);

    const done = completed(id);
    await expect(
      viaClient<ResponseBody>((cb) => client.del_msg_push_status(id, 'f'.repeat(32), 'worker', cb)),
    ).rejects.toThrow(/reservation/i);
    expect(
      await viaClient<ResponseBody>((cb) => client.del_msg_push_status(id, reservationId, 'worker', cb)),
    ).toEqual({ msg: 'Deleted' });
    await done;
    expect((await statuses()).map((s) => s.status)).toEqual(['deleted', 'deleted']);
    expect((await queue.info()).size).toBe(0);
  });
});

describe('errors', () => {
  test('a missing queue is an error for every method but post and create_queue', async () => {
    const queue = mq('no-such-queue');
    // Methods whose error comes from the body's msg.
    await expect(queue.reserve()).rejects.toThrow('Queue not found');
    await expect(queue.getN({ n: 2 })).rejects.toThrow('Queue not found');
    await expect(queue.clear()).rejects.toThrow('Queue not found');
    await expect(queue.delQueue()).rejects.toThrow('Queue not found');
    await expect(queue.update({ message_timeout: 90 })).rejects.toThrow('Queue not found');
    await expect(queue.del('1')).rejects.toThrow('Queue not found');
    await expect(queue.delMultiple({ ids: ['1'] })).rejects.toThrow('Queue not found');
    await expect(queue.msgTouch('1', 'c'.repeat(32))).rejects.toThrow('Queue not found');
    await expect(queue.msgRelease('1', 'c'.repeat(32))).rejects.toThrow('Queue not found');
    // peek passes the raw error body text on.
    await expect(queue.peek()).rejects.toThrow('{"msg":"Queue not found"}');
    // info and msg_get unwrap a key that an error body lacks: the client's own "Unknown error".
    await expect(queue.info()).rejects.toThrow('Unknown error');
    await expect(queue.msgGet('1')).rejects.toThrow('Unknown error');

    expect(await server.store.getQueue(server.projectId, 'no-such-queue')).toBeNull();
    const http = await api(server).get('/queues/no-such-queue');
    expect(http.status).toBe(404);
    expect(http.body).toEqual({ msg: 'Queue not found' });
  });

  test('a bad token is an error', async () => {
    const bad = ironQueue(server, 'auth-q', { token: 'not-a-token' });
    await expect(bad.post('x')).rejects.toThrow('Invalid project/token combination');
    await expect(bad.reserve()).rejects.toThrow('Invalid project/token combination');
    await expect(bad.createQueue('auth-q', {})).rejects.toThrow('Invalid project/token combination');
    // queues and info unwrap a key that the error body lacks.
    await expect(bad.queues()).rejects.toThrow('Unknown error');
    await expect(bad.info()).rejects.toThrow('Unknown error');
    await expect(bad.peek()).rejects.toThrow('Invalid project/token combination');
    expect(await server.store.getQueue(server.projectId, 'auth-q')).toBeNull();
  });

  test('the right token on the wrong project is an error', async () => {
    const other = ironQueue(server, 'auth-q', { project_id: '000000000000000000000000' });
    await expect(other.post('x')).rejects.toThrow('Invalid project/token combination');
    await expect(other.queues()).rejects.toThrow('Unknown error');
    const http = await api(server)
      .raw.get('/3/projects/000000000000000000000000/queues')
      .set('Authorization', `OAuth ${server.token}`);
    expect(http.status).toBe(401);
    expect(http.body).toEqual({ msg: 'Invalid project/token combination' });
  });
});
