/**
 * "Use Ferrite as the IronMQ in your CI": the official Node client (npm `iron_mq` 0.9.3), with credentials made
 * up on the spot, against a fresh server started with FERRITE_AUTH=open, as client test suites ran against the
 * retired `iron/mq:lite` image. Every method of the client is called once at least.
 */
import { type Callback, type ResponseBody } from 'iron_mq';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startServer, type TestServer } from '../helpers/server';
import { ironQueue, type IronQueue } from './iron-mq-client';

let server: TestServer;
let receiver: Receiver;
const savedNoProxy = process.env.NO_PROXY;

/** What a CI job might have lying around: nothing this server has ever seen. */
const MADE_UP = { project_id: '0123456789abcdef01234567', token: 'ci-token-from-an-old-config' };

beforeAll(async () => {
  process.env.NO_PROXY = '*';
  // A fresh data file, open auth, push subscribers on 127.0.0.1 allowed (the receiver below).
  server = await startServer({
    env: { FERRITE_AUTH: 'open', FERRITE_TOKEN: '', FERRITE_PUSH_ALLOW_PRIVATE: 'true' },
  });
  receiver = await startReceiver({ replies: [] });
});

afterAll(async () => {
  if (savedNoProxy === undefined) delete process.env.NO_PROXY;
  else process.env.NO_PROXY = savedNoProxy;
  await receiver.close();
  await server.destroy();
});

function mq(queueName: string, credentials = MADE_UP): IronQueue {
  return ironQueue(server, queueName, credentials);
}

/** add/rpl/rm_subscribers, msg_push_statuses and del_msg_push_status are used through the client directly. */
function viaClient<T>(run: (cb: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value))));
}

test('the made-up project did not exist before the first call', async () => {
  expect(await server.store.getProject(MADE_UP.project_id)).toBeNull();
});

test('queues: create_queue, info, update_queue, update, queues, clear, del_queue', async () => {
  const queue = mq('ci-orders');
  const created = await queue.createQueue('ci-orders', { message_timeout: 30 });
  expect(created.queue).toMatchObject({ name: 'ci-orders', message_timeout: 30 });
  expect(await server.store.getProject(MADE_UP.project_id)).not.toBeNull();

  expect(await queue.info()).toMatchObject({ name: 'ci-orders', size: 0, project_id: MADE_UP.project_id });
  expect((await queue.updateQueue('ci-orders', { message_timeout: 45 })).queue).toMatchObject({
    message_timeout: 45,
  });
  expect((await queue.update({ message_expiration: 3600 })).queue).toMatchObject({
    message_expiration: 3600,
  });
  await queue.createQueue('ci-other', {});
  expect((await queue.queues({ prefix: 'ci-' })).map((q) => q.name)).toEqual(['ci-orders', 'ci-other']);

  await queue.post(['a', 'b']);
  expect(await queue.clear()).toEqual({ msg: 'Cleared' });
  expect((await queue.info()).size).toBe(0);
  expect(await queue.queue('ci-other').delQueue()).toEqual({ msg: 'Deleted' });
  expect((await queue.queues({ prefix: 'ci-' })).map((q) => q.name)).toEqual(['ci-orders']);
});

test('messages: post, reserve, get, get_n, peek, peek_n, msg_get, msg_touch, msg_release, del, del_multiple', async () => {
  const queue = mq('ci-jobs');
  const first = await queue.post('job 1');
  const more = (await queue.post(['job 2', 'job 3', 'job 4', { body: 'job 5', delay: 0 }])) as string[];
  expect(more).toHaveLength(4);

  expect((await queue.peek())?.id).toBe(first);
  expect((await queue.peekN({ n: 3 })).map((m) => m.body)).toEqual(['job 1', 'job 2', 'job 3']);
  expect((await queue.msgGet(first)).body).toBe('job 1');

  const reserved = await queue.reserve({ timeout: 30 });
  expect(reserved).toMatchObject({ id: first, body: 'job 1', reserved_count: 1 });
  const touched = await queue.msgTouch(first, reserved!.reservation_id!, { timeout: 60 });
  expect(touched).toMatchObject({ msg: 'Touched' });
  expect(await queue.msgRelease(first, touched.reservation_id as string)).toEqual({ msg: 'Released' });

  const again = await queue.get();
  expect(again).toMatchObject({ id: first, reserved_count: 2 });
  expect(await queue.del(first, { reservation_id: again!.reservation_id! })).toEqual({ msg: 'Deleted' });

  const two = await queue.getN({ n: 2 });
  expect(two.map((m) => m.body)).toEqual(['job 2', 'job 3']);
  expect(
    await queue.delMultiple({
      reservation_ids: two.map((m) => ({ id: m.id, reservation_id: m.reservation_id! })),
    }),
  ).toEqual({ msg: 'Deleted' });
  const rest = await queue.reserveMany({ n: 5, delete: true });
  expect(rest.map((m) => m.body)).toEqual(['job 4', 'job 5']);
  await queue.post('job 6');
  const [six] = (await queue.peekMany({ n: 5 })).map((m) => m.id);
  expect(await queue.delMultiple({ ids: [six!] })).toEqual({ msg: 'Deleted' });
  expect((await queue.info()).size).toBe(0);
  expect(await queue.getMany({ n: 2 })).toEqual([]);
});

test('push: add_subscribers, rpl_subscribers, rm_subscribers, msg_push_statuses, del_msg_push_status', async () => {
  const queue = mq('ci-push');
  await queue.createQueue('ci-push', {
    push: { subscribers: [{ name: 'first', url: receiver.url('/first') }] },
  });
  const client = queue.client;
  expect(
    await viaClient<ResponseBody>((cb) =>
      client.add_subscribers({ name: 'worker', url: receiver.url('/worker') }, cb),
    ),
  ).toEqual({ msg: 'Updated' });
  expect(
    await viaClient<ResponseBody>((cb) =>
      client.rpl_subscribers(
        [
          { name: 'worker', url: receiver.url('/worker') },
          { name: 'spare', url: receiver.url('/spare') },
        ],
        cb,
      ),
    ),
  ).toEqual({ msg: 'Updated' });
  expect(await viaClient<ResponseBody>((cb) => client.rm_subscribers({ name: 'spare' }, cb))).toEqual({
    msg: 'Updated',
  });

  receiver.script(202);
  const held = new Promise<void>((resolve) => server.engine.events.once('push:held', () => resolve()));
  const id = await queue.post('deliver me');
  await held;
  const statuses = (await viaClient<ResponseBody>((cb) => client.msg_push_statuses(id, cb))).subscribers as {
    name: string;
    status: string;
    reservation_id?: string;
  }[];
  expect(statuses).toEqual([expect.objectContaining({ name: 'worker', status: 'reserved' })]);
  const done = new Promise<void>((resolve) => server.engine.events.once('push:completed', () => resolve()));
  expect(
    await viaClient<ResponseBody>((cb) =>
      client.del_msg_push_status(id, statuses[0]!.reservation_id!, 'worker', cb),
    ),
  ).toEqual({ msg: 'Deleted' });
  await done;
  expect(receiver.requests.map((r) => [r.path, r.body])).toEqual([['/worker', 'deliver me']]);
});

test('another made-up project and token see nothing of the first, and the same names are theirs', async () => {
  const other = mq('ci-orders', { project_id: 'test', token: 'test' });
  expect(await other.queues({})).toEqual([]);
  await other.post('mine');
  expect((await other.info()).size).toBe(1);
  expect((await mq('ci-orders').info()).size).toBe(0);
});
