import { performance } from 'node:perf_hooks';
import type { Response } from 'supertest';
import { q, serverForFile, uniqueNames } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';

/** Reserve (with long polling), touch and release (spec §3). */

const file = serverForFile();
/** A queue name no other test uses. */
const fresh = uniqueNames();

interface WireMessage {
  id: string;
  body: string;
  reserved_count: number;
  reservation_id: string;
  reserved_until: string;
  timeout: number;
}

const reservationsOf = (queue: string) => `/queues/${q(queue)}/reservations`;
const messageOf = (queue: string, id: string) => `/queues/${q(queue)}/messages/${id}`;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

async function postBodies(queue: string, ...bodies: string[]): Promise<string[]> {
  const res = await file.http
    .post(`/queues/${q(queue)}/messages`)
    .send({ messages: bodies.map((body) => ({ body })) });
  expect(res.status).toBe(201);
  return res.body.ids as string[];
}

async function createQueue(queue: string, settings: object = {}): Promise<void> {
  const res = await file.http.put(`/queues/${q(queue)}`).send({ queue: settings });
  expect(res.status).toBe(200);
}

async function sizeOf(queue: string): Promise<number> {
  const res = await file.http.get(`/queues/${q(queue)}`);
  expect(res.status).toBe(200);
  return res.body.queue.size as number;
}

async function reserve(queue: string, body: object = {}): Promise<WireMessage[]> {
  const res = await file.http.post(reservationsOf(queue)).send(body);
  expect(res.status).toBe(200);
  return res.body.messages as WireMessage[];
}

async function reserveOne(queue: string, body: object = {}): Promise<WireMessage> {
  const messages = await reserve(queue, body);
  expect(messages).toHaveLength(1);
  return messages[0]!;
}

async function peekIds(queue: string): Promise<string[]> {
  const res = await file.http.get(`/queues/${q(queue)}/messages?n=100`);
  expect(res.status).toBe(200);
  return (res.body.messages as { id: string }[]).map((m) => m.id);
}

const ids = (messages: { id: string }[]) => messages.map((m) => m.id);

function touch(queue: string, id: string, body: object): Promise<Response> {
  return file.http.post(`${messageOf(queue, id)}/touch`).send(body);
}

function release(queue: string, id: string, body: object): Promise<Response> {
  return file.http.post(`${messageOf(queue, id)}/release`).send(body);
}

function deleteMessage(queue: string, id: string, body: object): Promise<Response> {
  return file.http.delete(messageOf(queue, id)).send(body);
}

/** Sends a request now and lets the test do other things while it is in flight. */
function inFlight(request: PromiseLike<Response>): Promise<{ res: Response; ms: number }> {
  const started = performance.now();
  return Promise.resolve(request).then((res) => ({ res, ms: performance.now() - started }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('reserve', () => {
  test('when n is not given, one message is reserved, the oldest', async () => {
    const queue = fresh('reserve-default-n');
    const [a] = await postBodies(queue, 'a', 'b', 'c');

    const res = await file.http.post(reservationsOf(queue)).send({});

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(ids(res.body.messages)).toEqual([a]);
  });

  test('when a message is reserved, the response carries id, body, reserved_count, reservation_id, reserved_until and timeout', async () => {
    const queue = fresh('reserve-fields');
    const [id] = await postBodies(queue, 'payload');
    const now = file.server.clock.now();

    const res = await file.http.post(reservationsOf(queue)).send({ n: 1 });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    const [message] = res.body.messages;
    expect(message).toMatchObject({ id, body: 'payload', reserved_count: 1, timeout: 60 });
    expect(message.reservation_id).toEqual(expect.any(String));
    expect(message.reservation_id).not.toBe('');
    expect(message.reserved_until).toMatch(RFC3339);
    expect(Date.parse(message.reserved_until)).toBe(now + 60_000);
  });

  test('when messages are reserved one by one, they come in FIFO order', async () => {
    const queue = fresh('reserve-fifo');
    const posted = await postBodies(queue, '1', '2', '3', '4', '5');

    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push((await reserveOne(queue)).id);

    expect(got).toEqual(posted);
    expect(await reserve(queue)).toEqual([]);
  });

  test('when n is 100, 100 messages are reserved at once in FIFO order', async () => {
    const queue = fresh('reserve-100');
    const res = await file.http
      .post(`/queues/${q(queue)}/messages`)
      .send({ messages: Array.from({ length: 100 }, (_, i) => ({ body: String(i) })) });
    await postBodies(queue, 'the 101st');

    const reserved = await file.http.post(reservationsOf(queue)).send({ n: 100 });

    expect(reserved.status).toBe(200);
    expectMatchesSpec(reserved);
    expect(ids(reserved.body.messages)).toEqual(res.body.ids);
    expect(new Set(reserved.body.messages.map((m: WireMessage) => m.reservation_id)).size).toBe(100);
  });

  test('when n is 101, it answers 400 and reserves nothing', async () => {
    const queue = fresh('reserve-101');
    const [id] = await postBodies(queue, 'x');

    const res = await file.http.post(reservationsOf(queue)).send({ n: 101 });

    expect(res.status).toBe(400);
    expectMatchesSpec(res);
    expect(await peekIds(queue)).toEqual([id]);
  });

  test('when n is larger than the queue, all messages are returned', async () => {
    const queue = fresh('reserve-more-than-there');
    const posted = await postBodies(queue, 'a', 'b');

    const res = await file.http.post(reservationsOf(queue)).send({ n: 10 });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(ids(res.body.messages)).toEqual(posted);
  });

  test('when a reservation times out, the message is reserved again with reserved_count 2 and a new reservation_id', async () => {
    const queue = fresh('reserve-again');
    await postBodies(queue, 'x');
    const first = await reserveOne(queue, { timeout: 10 });
    expect(first.reserved_count).toBe(1);
    file.server.clock.advance(10_000);

    const res = await file.http.post(reservationsOf(queue)).send({});

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    const [second] = res.body.messages;
    expect(second.id).toBe(first.id);
    expect(second.reserved_count).toBe(2);
    expect(second.reservation_id).not.toBe(first.reservation_id);
  });

  test('when timeout is 3, the message stays reserved for 3 s of clock time and no longer', async () => {
    const queue = fresh('reserve-timeout-3');
    await postBodies(queue, 'x');
    const first = await reserveOne(queue, { timeout: 3 });
    expect(first.timeout).toBe(3);
    expect(Date.parse(first.reserved_until)).toBe(file.server.clock.now() + 3_000);

    file.server.clock.advance(2_999);
    expect(await reserve(queue)).toEqual([]);
    expect(await peekIds(queue)).toEqual([]);

    file.server.clock.advance(1);
    const res = await file.http.post(reservationsOf(queue)).send({});
    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(ids(res.body.messages)).toEqual([first.id]);
  });

  test("when timeout is 0 or absent, the queue's message_timeout is used", async () => {
    const queue = fresh('reserve-timeout-0');
    await createQueue(queue, { message_timeout: 30 });
    await postBodies(queue, 'a', 'b');

    const res = await file.http
      .post(reservationsOf(queue))
      .send({ n: 1, timeout: 0, wait: 0, delete: false });
    const absent = await reserveOne(queue);

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    const [zero] = res.body.messages;
    expect(zero.timeout).toBe(30);
    expect(absent.timeout).toBe(30);
    file.server.clock.advance(29_999);
    expect(await reserve(queue)).toEqual([]);
    file.server.clock.advance(1);
    expect(ids(await reserve(queue, { n: 2 }))).toEqual([zero.id, absent.id]);
  });

  test('when delete is true, the message is removed as it is reserved and never seen again (rb test_dequeue_delete)', async () => {
    const queue = fresh('reserve-delete');
    const [id] = await postBodies(queue, 'once');

    const res = await file.http.post(reservationsOf(queue)).send({ delete: true, timeout: 5 });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(ids(res.body.messages)).toEqual([id]);
    expect(res.body.messages[0].body).toBe('once');
    expect(await sizeOf(queue)).toBe(0);
    file.server.clock.advance(6_000);
    expect(await reserve(queue)).toEqual([]);
    expect((await file.http.get(messageOf(queue, id!))).status).toBe(404);
  });

  test('when the queue does not exist, it answers 404 Queue not found and does not create it', async () => {
    const queue = fresh('reserve-missing');

    const res = await file.http.post(reservationsOf(queue)).send({});

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Queue not found' });
    expect((await file.http.get(`/queues/${q(queue)}`)).status).toBe(404);
  });

  test('when the queue is empty, it answers 200 with an empty list', async () => {
    const queue = fresh('reserve-empty');
    await createQueue(queue);

    const res = await file.http.post(reservationsOf(queue)).send({ n: 5 });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ messages: [] });
  });

  describe('long polling', () => {
    test('when a message is posted during the wait, the reserve returns it at once', async () => {
      const queue = fresh('long-poll-post');
      await createQueue(queue);

      const pending = inFlight(file.http.post(reservationsOf(queue)).send({ wait: 5 }));
      await sleep(300);
      const [id] = await postBodies(queue, 'arrived');
      const { res, ms } = await pending;

      expect(res.status).toBe(200);
      expectMatchesSpec(res);
      expect(ids(res.body.messages)).toEqual([id]);
      expect(res.body.messages[0].reserved_count).toBe(1);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(2_500);
    });

    test('when nothing is posted, the reserve returns an empty list after about wait seconds', async () => {
      const queue = fresh('long-poll-nothing');
      await createQueue(queue);

      const { res, ms } = await inFlight(file.http.post(reservationsOf(queue)).send({ wait: 1 }));

      expect(res.status).toBe(200);
      expectMatchesSpec(res);
      expect(res.body).toEqual({ messages: [] });
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(3_000);
    });

    test('when a message is waiting already, a reserve with wait returns it without waiting', async () => {
      const queue = fresh('long-poll-ready');
      const [id] = await postBodies(queue, 'ready');

      const { res, ms } = await inFlight(file.http.post(reservationsOf(queue)).send({ wait: 5 }));

      expect(res.status).toBe(200);
      expectMatchesSpec(res);
      expect(ids(res.body.messages)).toEqual([id]);
      expect(ms).toBeLessThan(1_000);
    });

    test('when wait is 31, it answers 400', async () => {
      const queue = fresh('long-poll-31');
      const [id] = await postBodies(queue, 'x');

      const res = await file.http.post(reservationsOf(queue)).send({ wait: 31 });

      expect(res.status).toBe(400);
      expectMatchesSpec(res);
      expect(await peekIds(queue)).toEqual([id]);
    });
  });
});

describe('touch', () => {
  test('when a reserved message is touched, it answers Touched with a new reservation_id that replaces the old one', async () => {
    const queue = fresh('touch-new-id');
    await postBodies(queue, 'x');
    const message = await reserveOne(queue);

    const res = await touch(queue, message.id, { reservation_id: message.reservation_id });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Touched', reservation_id: expect.any(String) });
    const fresher = res.body.reservation_id as string;
    expect(fresher).not.toBe(message.reservation_id);

    const stale = { reservation_id: message.reservation_id };
    for (const refused of [
      await deleteMessage(queue, message.id, stale),
      await touch(queue, message.id, stale),
      await release(queue, message.id, stale),
    ]) {
      expect(refused.status).toBe(403);
      expectMatchesSpec(refused);
    }
    expect(await sizeOf(queue)).toBe(1);
    const deleted = await deleteMessage(queue, message.id, { reservation_id: fresher });
    expect(deleted.status).toBe(200);
    expect(await sizeOf(queue)).toBe(0);
  });

  test('when a message is touched with a timeout, the reservation is extended by that many seconds from now', async () => {
    const queue = fresh('touch-timeout');
    await postBodies(queue, 'x');
    const message = await reserveOne(queue, { timeout: 10 });
    file.server.clock.advance(8_000);

    const res = await touch(queue, message.id, { reservation_id: message.reservation_id, timeout: 10 });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    file.server.clock.advance(9_999); // 17.999 s after the reserve: past the original timeout
    expect(await reserve(queue)).toEqual([]);
    file.server.clock.advance(1);
    expect(ids(await reserve(queue))).toEqual([message.id]);
  });

  test("when a message is touched without a timeout (Ruby), the queue's message_timeout is used", async () => {
    const queue = fresh('touch-default-timeout');
    await createQueue(queue, { message_timeout: 20 });
    await postBodies(queue, 'x');
    const message = await reserveOne(queue, { timeout: 5 });

    const res = await touch(queue, message.id, { reservation_id: message.reservation_id });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    file.server.clock.advance(19_999);
    expect(await reserve(queue)).toEqual([]);
    file.server.clock.advance(1);
    expect(ids(await reserve(queue))).toEqual([message.id]);
  });

  test("when a message is touched with timeout 0 (Go), the queue's message_timeout is used", async () => {
    const queue = fresh('touch-timeout-0');
    await createQueue(queue, { message_timeout: 20 });
    await postBodies(queue, 'x');
    const message = await reserveOne(queue, { timeout: 5 });

    const res = await touch(queue, message.id, { reservation_id: message.reservation_id, timeout: 0 });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    file.server.clock.advance(19_999);
    expect(await reserve(queue)).toEqual([]);
    file.server.clock.advance(1);
    expect(ids(await reserve(queue))).toEqual([message.id]);
  });

  test('when a message is touched twice, each touch uses the reservation_id of the one before (py test_touchMessageTwice)', async () => {
    const queue = fresh('touch-twice');
    await postBodies(queue, 'x');
    const message = await reserveOne(queue);

    const first = await touch(queue, message.id, { reservation_id: message.reservation_id });
    const second = await touch(queue, message.id, { reservation_id: first.body.reservation_id });

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expectMatchesSpec(second);
    expect(second.body.msg).toBe('Touched');
    expect(
      new Set([message.reservation_id, first.body.reservation_id, second.body.reservation_id]).size,
    ).toBe(3);
    const deleted = await deleteMessage(queue, message.id, { reservation_id: second.body.reservation_id });
    expect(deleted.status).toBe(200);
  });

  test("when the draft's DELETE …/touch form is used, it touches the same way", async () => {
    const queue = fresh('touch-delete-form');
    await postBodies(queue, 'x');
    const message = await reserveOne(queue);

    const res = await file.http
      .delete(`${messageOf(queue, message.id)}/touch`)
      .send({ reservation_id: message.reservation_id });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Touched', reservation_id: expect.any(String) });
    expect(res.body.reservation_id).not.toBe(message.reservation_id);
  });

  test('when a reservation has timed out, touching it answers 403 and the message is available again', async () => {
    const queue = fresh('touch-stale');
    await postBodies(queue, 'x');
    const message = await reserveOne(queue, { timeout: 3 });
    file.server.clock.advance(3_000);

    const res = await touch(queue, message.id, { reservation_id: message.reservation_id });

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(await peekIds(queue)).toEqual([message.id]);
    expect((await reserveOne(queue)).reserved_count).toBe(2);
  });

  test('when an unreserved message is touched, it answers 403 and the message stays available', async () => {
    const queue = fresh('touch-unreserved');
    const [id] = await postBodies(queue, 'x');

    const res = await touch(queue, id!, { reservation_id: 'anything' });

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(await peekIds(queue)).toEqual([id]);
  });

  test('when an unknown message is touched, it answers 404 Message not found', async () => {
    const queue = fresh('touch-unknown');
    const [id] = await postBodies(queue, 'x');

    const res = await touch(queue, '999999999', { reservation_id: 'anything' });

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Message not found' });
    expect(await peekIds(queue)).toEqual([id]);
  });
});

describe('release', () => {
  test('when a reserved message is released, it answers Released and goes back to the front of the queue', async () => {
    const queue = fresh('release-front');
    const [a, b] = await postBodies(queue, 'a', 'b');
    const message = await reserveOne(queue);
    expect(message.id).toBe(a);

    const res = await release(queue, message.id, { reservation_id: message.reservation_id });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Released' });
    const again = await reserve(queue, { n: 2 });
    expect(ids(again)).toEqual([a, b]);
    expect(again[0]!.reserved_count).toBe(2);
  });

  test('when the oldest message is released after a younger one was reserved, it is reserved before the rest', async () => {
    const queue = fresh('release-front-2');
    const [a, b, c] = await postBodies(queue, 'a', 'b', 'c');
    const first = await reserveOne(queue);
    expect((await reserveOne(queue)).id).toBe(b);

    await release(queue, first.id, { reservation_id: first.reservation_id });

    expect(ids(await reserve(queue, { n: 3 }))).toEqual([a, c]);
  });

  test('when a message is released with a delay, it is invisible until the delay passes', async () => {
    const queue = fresh('release-delay');
    await postBodies(queue, 'x');
    const message = await reserveOne(queue);

    const res = await release(queue, message.id, { reservation_id: message.reservation_id, delay: 5 });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(await sizeOf(queue)).toBe(1);
    file.server.clock.advance(4_999);
    expect(await peekIds(queue)).toEqual([]);
    expect(await reserve(queue)).toEqual([]);
    file.server.clock.advance(1);
    expect(await peekIds(queue)).toEqual([message.id]);
    expect(ids(await reserve(queue))).toEqual([message.id]);
  });

  test('when a message was released, its old reservation_id is refused with 403 for delete, touch and release', async () => {
    const queue = fresh('release-stale');
    await postBodies(queue, 'x');
    const message = await reserveOne(queue);
    await release(queue, message.id, { reservation_id: message.reservation_id });
    const stale = { reservation_id: message.reservation_id };

    for (const refused of [
      await deleteMessage(queue, message.id, stale),
      await touch(queue, message.id, stale),
      await release(queue, message.id, stale),
    ]) {
      expect(refused.status).toBe(403);
      expectMatchesSpec(refused);
    }

    expect(await sizeOf(queue)).toBe(1);
    expect(await peekIds(queue)).toEqual([message.id]);
    expect((await reserveOne(queue)).reserved_count).toBe(2);
  });

  test('when the DELETE …/release form is used, it releases the same way', async () => {
    const queue = fresh('release-delete-form');
    await postBodies(queue, 'x');
    const message = await reserveOne(queue);

    const res = await file.http
      .delete(`${messageOf(queue, message.id)}/release`)
      .send({ reservation_id: message.reservation_id });

    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Released' });
    expect(await peekIds(queue)).toEqual([message.id]);
  });

  test('when a message is released while a long poll waits on its queue, the long poll gets it at once', async () => {
    const queue = fresh('release-wakes');
    await postBodies(queue, 'x');
    const message = await reserveOne(queue);

    const pending = inFlight(file.http.post(reservationsOf(queue)).send({ wait: 5 }));
    await sleep(300);
    const released = await release(queue, message.id, { reservation_id: message.reservation_id });
    const { res, ms } = await pending;

    expect(released.status).toBe(200);
    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(ids(res.body.messages)).toEqual([message.id]);
    expect(res.body.messages[0].reserved_count).toBe(2);
    expect(ms).toBeLessThan(2_500);
  });

  test('when a message is released with a delay while a long poll waits, the long poll gets it once the delay passes', async () => {
    const queue = fresh('release-delay-wakes');
    await postBodies(queue, 'x');
    // The reservation would end long after the poll's wait: only the release can make the message due in time.
    const message = await reserveOne(queue, { timeout: 600 });

    const pending = inFlight(file.http.post(reservationsOf(queue)).send({ wait: 4 }));
    await sleep(200);
    const released = await release(queue, message.id, { reservation_id: message.reservation_id, delay: 1 });
    file.server.clock.advance(1_000);
    const { res, ms } = await pending;

    expect(released.status).toBe(200);
    expect(res.status).toBe(200);
    expectMatchesSpec(res);
    expect(ids(res.body.messages)).toEqual([message.id]);
    // Delivered about 1 s after the release, not when the 4 s wait runs out.
    expect(ms).toBeLessThan(3_000);
  });

  test('when an unreserved message is released, it answers 403 and nothing changes', async () => {
    const queue = fresh('release-unreserved');
    const [id] = await postBodies(queue, 'x');

    const res = await release(queue, id!, { reservation_id: 'anything' });

    expect(res.status).toBe(403);
    expectMatchesSpec(res);
    expect(await peekIds(queue)).toEqual([id]);
  });

  test('when an unknown message is released, it answers 404 Message not found', async () => {
    const queue = fresh('release-unknown');
    const [id] = await postBodies(queue, 'x');

    const res = await release(queue, '999999999', { reservation_id: 'anything' });

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Message not found' });
    expect(await peekIds(queue)).toEqual([id]);
  });

  test('when a release names a queue that does not exist, it answers 404 Queue not found', async () => {
    const queue = fresh('release-missing');

    const res = await release(queue, '1', { reservation_id: 'anything' });

    expect(res.status).toBe(404);
    expectMatchesSpec(res);
    expect(res.body).toEqual({ msg: 'Queue not found' });
    expect((await file.http.get(`/queues/${q(queue)}`)).status).toBe(404);
  });
});
