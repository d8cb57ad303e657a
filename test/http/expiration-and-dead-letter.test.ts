import { q, serverForFile, uniqueNames } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { runOnce } from '../../src/worker/jobs/expiry';

/** message_expiration (messages vanish after it) and dead_letter queues (spec §2, §5). */

const file = serverForFile();
/** A queue name no other test uses. */
const fresh = uniqueNames();

interface WireMessage {
  id: string;
  body: string;
  reserved_count: number;
  reservation_id: string;
}

async function createQueue(queue: string, settings: object): Promise<void> {
  const res = await file.http.put(`/queues/${q(queue)}`).send({ queue: settings });
  expect(res.status).toBe(200);
  expectMatchesSpec(res);
}

async function postBodies(queue: string, ...bodies: string[]): Promise<string[]> {
  const res = await file.http
    .post(`/queues/${q(queue)}/messages`)
    .send({ messages: bodies.map((body) => ({ body })) });
  expect(res.status).toBe(201);
  return res.body.ids as string[];
}

async function queueInfo(queue: string): Promise<{ size: number; total_messages: number }> {
  const res = await file.http.get(`/queues/${q(queue)}`);
  expect(res.status).toBe(200);
  expectMatchesSpec(res);
  return res.body.queue;
}

async function reserve(queue: string, body: object = {}): Promise<WireMessage[]> {
  const res = await file.http.post(`/queues/${q(queue)}/reservations`).send(body);
  expect(res.status).toBe(200);
  expectMatchesSpec(res);
  return res.body.messages as WireMessage[];
}

async function peekIds(queue: string): Promise<string[]> {
  const res = await file.http.get(`/queues/${q(queue)}/messages?n=100`);
  expect(res.status).toBe(200);
  expectMatchesSpec(res);
  return (res.body.messages as { id: string }[]).map((m) => m.id);
}

const ids = (messages: { id: string }[]) => messages.map((m) => m.id);

describe('message expiration', () => {
  test('when message_expiration has passed, the message is not reservable, peekable or gettable, and the expiry job removes it', async () => {
    const queue = fresh('expires');
    await createQueue(queue, { message_expiration: 60 });
    const [id] = await postBodies(queue, 'short-lived');

    file.server.clock.advance(61_000);

    expect(await reserve(queue)).toEqual([]);
    expect(await peekIds(queue)).toEqual([]);
    const got = await file.http.get(`/queues/${q(queue)}/messages/${id}`);
    expect(got.status).toBe(404);
    expectMatchesSpec(got);
    expect(got.body).toEqual({ msg: 'Message not found' });

    const removed = await runOnce({ store: file.server.store }, file.server.clock.now());

    expect(removed).toBeGreaterThanOrEqual(1);
    expect(await queueInfo(queue)).toMatchObject({ size: 0, total_messages: 1 });
  });

  test('when message_expiration has not yet passed, the message is still there and the expiry job leaves it', async () => {
    const queue = fresh('not-yet');
    await createQueue(queue, { message_expiration: 60 });
    const [id] = await postBodies(queue, 'still here');

    file.server.clock.advance(59_999);
    await runOnce({ store: file.server.store }, file.server.clock.now());

    expect((await queueInfo(queue)).size).toBe(1);
    expect(await peekIds(queue)).toEqual([id]);
    expect(ids(await reserve(queue))).toEqual([id]);
  });

  test('when a message expires, a younger message of the same queue is reserved instead', async () => {
    const queue = fresh('expires-younger');
    await createQueue(queue, { message_expiration: 60 });
    await postBodies(queue, 'old');
    file.server.clock.advance(30_000);
    const [young] = await postBodies(queue, 'young');

    file.server.clock.advance(31_000);

    expect(ids(await reserve(queue, { n: 2 }))).toEqual([young]);
  });

  test('when a reserved message expires, its reservation_id can no longer delete it', async () => {
    const queue = fresh('expires-reserved');
    await createQueue(queue, { message_expiration: 60 });
    await postBodies(queue, 'x');
    const [message] = await reserve(queue, { timeout: 120 });
    file.server.clock.advance(61_000);

    const res = await file.http
      .delete(`/queues/${q(queue)}/messages/${message!.id}`)
      .send({ reservation_id: message!.reservation_id });

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    await runOnce({ store: file.server.store }, file.server.clock.now());
    expect((await queueInfo(queue)).size).toBe(0);
  });

  test('when the expiry job runs, messages of queues with the default expiration are untouched', async () => {
    const queue = fresh('default-expiration');
    const [id] = await postBodies(queue, 'keeps');
    file.server.clock.advance(120_000);

    await runOnce({ store: file.server.store }, file.server.clock.now());

    expect((await queueInfo(queue)).size).toBe(1);
    expect(await peekIds(queue)).toEqual([id]);
  });
});

describe('dead letter queue', () => {
  test('when a message was reserved max_reservations times, the next reserve moves it to the dead-letter queue instead of returning it', async () => {
    const queue = fresh('dl-source');
    const dlq = fresh('dlq');
    await createQueue(queue, { dead_letter: { queue_name: dlq, max_reservations: 2 } });
    const missing = await file.http.get(`/queues/${q(dlq)}`);
    expect(missing.status).toBe(404);
    const [id] = await postBodies(queue, 'poison');

    const first = await reserve(queue, { timeout: 10 });
    file.server.clock.advance(10_000);
    const second = await reserve(queue, { timeout: 10 });
    file.server.clock.advance(10_000);
    const third = await reserve(queue, { timeout: 10 });

    expect(first.map((m) => [m.id, m.reserved_count])).toEqual([[id, 1]]);
    expect(second.map((m) => [m.id, m.reserved_count])).toEqual([[id, 2]]);
    expect(third).toEqual([]);
    expect(await queueInfo(queue)).toMatchObject({ size: 0 });
    expect(await queueInfo(dlq)).toMatchObject({ size: 1, total_messages: 1 });
    const moved = await file.http.get(`/queues/${q(dlq)}/messages/${id}`);
    expect(moved.status).toBe(200);
    expectMatchesSpec(moved);
    expect(moved.body.message).toMatchObject({ id, body: 'poison', reserved_count: 2 });
    const gone = await file.http.get(`/queues/${q(queue)}/messages/${id}`);
    expect(gone.status).toBe(404);
  });

  test('when a message is moved to the dead-letter queue, the reserve returns the next message instead', async () => {
    const queue = fresh('dl-next');
    const dlq = fresh('dlq-next');
    await createQueue(queue, { dead_letter: { queue_name: dlq, max_reservations: 2 } });
    const [poison] = await postBodies(queue, 'poison');
    await reserve(queue, { timeout: 10 });
    file.server.clock.advance(10_000);
    await reserve(queue, { timeout: 10 });
    file.server.clock.advance(10_000);
    const [healthy] = await postBodies(queue, 'healthy');

    const got = await reserve(queue, { n: 1 });

    expect(got.map((m) => [m.id, m.body, m.reserved_count])).toEqual([[healthy, 'healthy', 1]]);
    expect((await queueInfo(queue)).size).toBe(1);
    expect((await queueInfo(dlq)).size).toBe(1);
    expect(await peekIds(dlq)).toEqual([poison]);
  });

  test('when the dead-letter queue already exists, the message is added to what is there', async () => {
    const queue = fresh('dl-existing');
    const dlq = fresh('dlq-existing');
    const [earlier] = await postBodies(dlq, 'already dead');
    await createQueue(queue, { dead_letter: { queue_name: dlq, max_reservations: 1 } });
    const [id] = await postBodies(queue, 'poison');
    await reserve(queue, { timeout: 5 });
    file.server.clock.advance(5_000);

    expect(await reserve(queue)).toEqual([]);

    expect(await queueInfo(dlq)).toMatchObject({ size: 2, total_messages: 2 });
    expect(await peekIds(dlq)).toEqual([earlier, id]);
    const [reservedFromDlq] = await reserve(dlq, { n: 2 });
    expect(reservedFromDlq!.id).toBe(earlier);
  });

  test('when a message is reserved fewer than max_reservations times, it is returned as usual', async () => {
    const queue = fresh('dl-below');
    const dlq = fresh('dlq-below');
    await createQueue(queue, { dead_letter: { queue_name: dlq, max_reservations: 3 } });
    const [id] = await postBodies(queue, 'x');
    await reserve(queue, { timeout: 5 });
    file.server.clock.advance(5_000);

    const again = await reserve(queue, { timeout: 5 });

    expect(again.map((m) => [m.id, m.reserved_count])).toEqual([[id, 2]]);
    expect((await queueInfo(queue)).size).toBe(1);
    expect((await file.http.get(`/queues/${q(dlq)}`)).status).toBe(404);
  });

  test('when a reserve of n > 1 meets a worn-out message, only that one is moved and the others are returned', async () => {
    const queue = fresh('dl-batch');
    const dlq = fresh('dlq-batch');
    await createQueue(queue, { dead_letter: { queue_name: dlq, max_reservations: 1 } });
    const [worn] = await postBodies(queue, 'worn');
    await reserve(queue, { timeout: 5 });
    file.server.clock.advance(5_000);
    const [a, b] = await postBodies(queue, 'a', 'b');

    const got = await reserve(queue, { n: 3 });

    expect(ids(got)).toEqual([a, b]);
    expect(await peekIds(dlq)).toEqual([worn]);
    expect((await queueInfo(queue)).size).toBe(2);
  });
});
