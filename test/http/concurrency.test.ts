import { performance } from 'node:perf_hooks';
import type { Response } from 'supertest';
import { q, serverForFile, uniqueNames } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';

/** Many clients at once over real concurrent HTTP requests: nothing lost, nothing handed out twice. */

const file = serverForFile();
/** A queue name no other test uses. */
const fresh = uniqueNames();

interface WireMessage {
  id: string;
  body: string;
  reserved_count: number;
  reservation_id: string;
}

/** 10 reservers asking for 1 message at a time and 10 asking for 5. */
const RESERVERS = [...Array<number>(10).fill(1), ...Array<number>(10).fill(5)];
/** Real time allowed for draining a queue; far more than it takes. */
const DRAIN_DEADLINE_MS = 8_000;

const messageOf = (queue: string, id: string) => `/queues/${q(queue)}/messages/${id}`;

async function postMany(queue: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const messages = Array.from({ length: Math.min(100, count - start) }, (_, i) => ({
      body: `m${start + i}`,
    }));
    const res = await file.http.post(`/queues/${q(queue)}/messages`).send({ messages });
    expect(res.status).toBe(201);
    ids.push(...(res.body.ids as string[]));
  }
  return ids;
}

async function sizeOf(queue: string): Promise<number> {
  const res = await file.http.get(`/queues/${q(queue)}`);
  expect(res.status).toBe(200);
  expectMatchesSpec(res);
  return res.body.queue.size as number;
}

/**
 * Runs all reservers at the same time, each looping until it gets an empty answer. The queue is filled before,
 * and nothing is released during the drain, so an empty answer means the queue has nothing left to hand out.
 */
async function drain(queue: string, timeout: number): Promise<WireMessage[]> {
  const received: WireMessage[] = [];
  const deadline = performance.now() + DRAIN_DEADLINE_MS;
  const statuses: number[] = [];
  await Promise.all(
    RESERVERS.map(async (n) => {
      while (performance.now() < deadline) {
        const res = await file.http.post(`/queues/${q(queue)}/reservations`).send({ n, timeout });
        statuses.push(res.status);
        if (res.status !== 200) return;
        expectMatchesSpec(res);
        const messages = res.body.messages as WireMessage[];
        expect(messages.length).toBeLessThanOrEqual(n);
        if (messages.length === 0) return;
        received.push(...messages);
      }
    }),
  );
  expect(performance.now()).toBeLessThan(deadline);
  expect(statuses.filter((status) => status !== 200)).toEqual([]);
  return received;
}

function countsById(messages: { id: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
  return counts;
}

function expectEachExactlyOnce(received: { id: string }[], posted: string[]): void {
  const counts = countsById(received);
  expect([...counts.values()].filter((count) => count !== 1)).toEqual([]);
  expect([...counts.keys()].sort()).toEqual([...posted].sort());
}

test('when 20 clients post at the same time, every message is written once with its own id', async () => {
  const queue = fresh('concurrent-posts');

  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, client) =>
      file.http
        .post(`/queues/${q(queue)}/messages`)
        .send({ messages: Array.from({ length: 10 }, (_, i) => ({ body: `c${client}-${i}` })) }),
    ),
  );

  for (const res of responses) {
    expect(res.status).toBe(201);
    expectMatchesSpec(res);
    const ids = (res.body.ids as string[]).map((id) => BigInt(id));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  }
  const all = responses.flatMap((res) => res.body.ids as string[]);
  expect(new Set(all).size).toBe(200);
  expect(await sizeOf(queue)).toBe(200);
});

test('when 20 clients reserve 200 messages at the same time, each message is handed out exactly once', async () => {
  const queue = fresh('concurrent-reserve');
  const posted = await postMany(queue, 200);

  const received = await drain(queue, 60);

  expect(received).toHaveLength(200);
  expectEachExactlyOnce(received, posted);
  expect(received.every((m) => m.reserved_count === 1)).toBe(true);
  expect(new Set(received.map((m) => m.reservation_id)).size).toBe(200);
  expect(await sizeOf(queue)).toBe(200);
});

test('when reservations time out during concurrent use, each message is handed out again once, with a new reservation_id, and the old ids are refused', async () => {
  const queue = fresh('concurrent-redeliver');
  const posted = await postMany(queue, 200);
  const first = await drain(queue, 30);
  expectEachExactlyOnce(first, posted);
  file.server.clock.advance(30_000);

  const second = await drain(queue, 30);

  expect(second).toHaveLength(200);
  expectEachExactlyOnce(second, posted);
  const firstById = new Map(first.map((m) => [m.id, m]));
  for (const m of second) {
    expect(m.reserved_count).toBe(2);
    expect(m.reservation_id).not.toBe(firstById.get(m.id)!.reservation_id);
  }

  // Every stale reservation id, sent to delete, touch and release at the same time, is refused.
  const stale = first.slice(0, 40);
  const refused = await Promise.all(
    stale.flatMap((m) => {
      const body = { reservation_id: m.reservation_id };
      return [
        file.http.delete(messageOf(queue, m.id)).send(body),
        file.http.post(`${messageOf(queue, m.id)}/touch`).send(body),
        file.http.post(`${messageOf(queue, m.id)}/release`).send(body),
      ];
    }),
  );
  for (const res of refused) {
    expect(res.status).toBe(403);
    expectMatchesSpec(res);
  }

  // Nothing changed: all still there and reserved, and the current reservation ids still work.
  expect(await sizeOf(queue)).toBe(200);
  const peeked = await file.http.get(`/queues/${q(queue)}/messages?n=100`);
  expect(peeked.body.messages).toEqual([]);
  const deletes = await Promise.all(
    second.map((m) => file.http.delete(messageOf(queue, m.id)).send({ reservation_id: m.reservation_id })),
  );
  expect(deletes.map((res) => res.status).filter((status) => status !== 200)).toEqual([]);
  expect(await sizeOf(queue)).toBe(0);
});

test('when 20 clients delete the same reserved message at the same time, exactly one succeeds and the size drops by one', async () => {
  const queue = fresh('concurrent-delete-reserved');
  await postMany(queue, 2);
  const reserved = await file.http.post(`/queues/${q(queue)}/reservations`).send({ n: 1 });
  const [message] = reserved.body.messages as WireMessage[];

  const responses = await Promise.all(
    Array.from({ length: 20 }, () =>
      file.http.delete(messageOf(queue, message!.id)).send({ reservation_id: message!.reservation_id }),
    ),
  );

  const statuses = responses.map((res: Response) => res.status);
  expect(statuses.filter((status) => status === 200)).toHaveLength(1);
  expect(statuses.filter((status) => status !== 200 && status !== 404 && status !== 403)).toEqual([]);
  for (const res of responses) expectMatchesSpec(res);
  expect(await sizeOf(queue)).toBe(1);
});

test('when 20 clients delete the same unreserved message at the same time, exactly one succeeds', async () => {
  const queue = fresh('concurrent-delete-unreserved');
  const [id] = await postMany(queue, 3);

  const responses = await Promise.all(
    Array.from({ length: 20 }, () => file.http.delete(messageOf(queue, id!)).send({})),
  );

  const statuses = responses.map((res: Response) => res.status);
  expect(statuses.filter((status) => status === 200)).toHaveLength(1);
  expect(statuses.filter((status) => status !== 200)).toEqual(Array<number>(19).fill(404));
  for (const res of responses) expectMatchesSpec(res);
  expect(await sizeOf(queue)).toBe(2);
});

test('when 20 clients reserve a queue holding one message, exactly one of them gets it', async () => {
  const queue = fresh('concurrent-one-message');
  const [id] = await postMany(queue, 1);

  const responses = await Promise.all(
    Array.from({ length: 20 }, () => file.http.post(`/queues/${q(queue)}/reservations`).send({ n: 5 })),
  );

  for (const res of responses) {
    expect(res.status).toBe(200);
    expectMatchesSpec(res);
  }
  const got = responses.flatMap((res) => res.body.messages as WireMessage[]);
  expect(got.map((m) => m.id)).toEqual([id]);
});

test('when 20 long polls wait on an empty queue and 5 messages are posted, 5 of them get one message each and none is handed out twice', async () => {
  const queue = fresh('concurrent-long-poll');
  await file.http.put(`/queues/${q(queue)}`).send({});

  const polls = Array.from({ length: 20 }, () =>
    Promise.resolve(file.http.post(`/queues/${q(queue)}/reservations`).send({ n: 1, wait: 1 })),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  const posted = await postMany(queue, 5);
  const responses = await Promise.all(polls);

  for (const res of responses) {
    expect(res.status).toBe(200);
    expectMatchesSpec(res);
  }
  const got = responses.flatMap((res) => res.body.messages as WireMessage[]);
  expectEachExactlyOnce(got, posted);
});

describe('concurrent changes to one queue', () => {
  test('when ten clients each add an alert and a PATCH changes the timeout at the same moment, nothing is lost', async () => {
    const queue = fresh('settings-race');
    expect((await file.http.put(`/queues/${q(queue)}`).send({})).status).toBe(200);
    const adds = Array.from({ length: 10 }, (_, i) =>
      file.http
        .post(`/queues/${q(queue)}/alerts`)
        .send({ alerts: [{ type: 'fixed', trigger: 10 + i, queue: `${queue}-alerts` }] }),
    );
    const patch = file.http.patch(`/queues/${q(queue)}`).send({ queue: { message_timeout: 77 } });
    const answers = await Promise.all([...adds, patch]);
    expect(answers.map((res) => res.status)).toEqual(Array<number>(11).fill(200));
    const info = (await file.http.get(`/queues/${q(queue)}`)).body.queue;
    expect(info.message_timeout).toBe(77);
    expect((info.alerts as { trigger: number }[]).map((a) => a.trigger).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => 10 + i),
    );
  });
});
