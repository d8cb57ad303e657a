import Database from 'better-sqlite3';
import path from 'node:path';
import { expectMatchesSpec } from '../helpers/openapi';
import { serverForFile, uniqueNames } from '../helpers/http';
import { fingerprint } from '../reliability/store-checks';

/** POST/GET …/queues/{q}/redrive: dead letters back to where they came from, on a real server. */

const context = serverForFile();
const fresh = uniqueNames();

/** Makes `count` real dead letters: posted to `source` (max_reservations 1), reserved, timed out, moved. */
async function deadLetters(source: string, dead: string, count: number): Promise<string[]> {
  const { http, server } = context;
  await http
    .put(`/queues/${source}`)
    .send({ queue: { dead_letter: { queue_name: dead, max_reservations: 1 } } })
    .expect(200);
  const ids: string[] = [];
  for (let i = 0; i < count; i += 100) {
    const messages = Array.from({ length: Math.min(100, count - i) }, (_, j) => ({ body: `job ${i + j}` }));
    ids.push(
      ...((await http.post(`/queues/${source}/messages`).send({ messages }).expect(201)).body
        .ids as string[]),
    );
  }
  for (let i = 0; i < count; i += 100) {
    await http.post(`/queues/${source}/reservations`).send({ n: 100, timeout: 1 }).expect(200);
  }
  server.clock.advance(2000);
  // One reserve finds every message over the limit and moves them all.
  const moved = await http.post(`/queues/${source}/reservations`).send({ n: 1 }).expect(200);
  expect(moved.body.messages).toEqual([]);
  return ids;
}

test('GET says where the dead letters come from; POST moves the first n, oldest first, then the rest', async () => {
  const { http } = context;
  const [orders, dead] = [fresh('orders'), fresh('orders-dead')];
  const ids = await deadLetters(orders, dead, 5);

  const sources = await http.get(`/queues/${dead}/redrive`);
  expectMatchesSpec(sources);
  expect(sources.body).toEqual({ redrive: { sources: [orders], messages: [{ from: orders, count: 5 }] } });

  const first = await http.post(`/queues/${dead}/redrive`).send({ n: 2 });
  expectMatchesSpec(first);
  expect(first.body).toEqual({
    msg: 'Moved 2 messages',
    moved: 2,
    queues: { [orders]: 2 },
    skipped: 0,
    left: 3,
  });
  const back = await http.get(`/queues/${orders}/messages?n=10`).expect(200);
  expect(
    back.body.messages.map((m: { id: string; reserved_count: number }) => [m.id, m.reserved_count]),
  ).toEqual([
    [ids[0], 0],
    [ids[1], 0],
  ]);
  // They are reservable at once, and the dead-letter count starts again from 0.
  const reserved = await http.post(`/queues/${orders}/reservations`).send({ n: 1 }).expect(200);
  expect(reserved.body.messages[0]).toMatchObject({ id: ids[0], reserved_count: 1 });

  const rest = await http.post(`/queues/${dead}/redrive`).send({});
  expect(rest.body).toEqual({
    msg: 'Moved 3 messages',
    moved: 3,
    queues: { [orders]: 3 },
    skipped: 0,
    left: 0,
  });
  expect((await http.get(`/queues/${orders}`)).body.queue).toMatchObject({ size: 5, total_messages: 10 });
  expect((await http.get(`/queues/${dead}/redrive`)).body.redrive.messages).toEqual([]);
});

test('more than one transaction’s worth: 1,200 dead letters move in pages, each message once', async () => {
  const { http, server } = context;
  const [big, dead] = [fresh('big'), fresh('big-dead')];
  const ids = await deadLetters(big, dead, 1200);
  const batches: number[] = [];
  const listener = (event: { count: number }) => batches.push(event.count);
  server.engine.events.on('messages:redriven', listener);
  const res = await http.post(`/queues/${dead}/redrive`).send({ n: 0 }).expect(200);
  server.engine.events.off('messages:redriven', listener);
  expect(res.body).toMatchObject({ moved: 1200, left: 0, skipped: 0 });
  expect(batches).toEqual([500, 500, 200]);
  const seen: string[] = [];
  for (let i = 0; i < 12; i++) {
    const page = await http.post(`/queues/${big}/reservations`).send({ n: 100, delete: true }).expect(200);
    seen.push(...page.body.messages.map((m: { id: string }) => m.id));
  }
  expect(seen).toEqual(ids);
});

test('to a named queue; messages of unknown origin go to the one queue that dead-letters here', async () => {
  const { http } = context;
  const [src, dead, retry] = [fresh('src'), fresh('src-dead'), fresh('retry')];
  const [fromSrc] = await deadLetters(src, dead, 1);
  const direct = (await http.post(`/queues/${dead}/messages`).send({ messages: [{ body: 'direct' }] })).body
    .ids[0] as string;
  expect((await http.get(`/queues/${dead}/redrive`)).body.redrive.messages).toEqual([
    { from: src, count: 1 },
    { from: null, count: 1 },
  ]);
  // Without `to`, both go to src: one by its origin, one because src is the only queue dead-lettering here.
  const both = await http.post(`/queues/${dead}/redrive`).send({});
  expect(both.body).toEqual({ msg: 'Moved 2 messages', moved: 2, queues: { [src]: 2 }, skipped: 0, left: 0 });
  expect(
    (await http.get(`/queues/${src}/messages?n=5`)).body.messages.map((m: { id: string }) => m.id),
  ).toEqual([fromSrc, direct]);
  const another = (await http.post(`/queues/${dead}/messages`).send({ messages: [{ body: 'another' }] })).body
    .ids[0] as string;
  await http.put(`/queues/${retry}`).send({}).expect(200);
  const named = await http.post(`/queues/${dead}/redrive`).send({ to: retry });
  expect(named.body).toEqual({
    msg: 'Moved 1 message',
    moved: 1,
    queues: { [retry]: 1 },
    skipped: 0,
    left: 0,
  });
  expect((await http.get(`/queues/${retry}/messages?n=5`)).body.messages[0].id).toBe(another);
});

test('a parked long poll on the queue they go back to is answered at once', async () => {
  const { http } = context;
  const [jobs, dead] = [fresh('jobs'), fresh('jobs-dead')];
  const [id] = await deadLetters(jobs, dead, 1);
  const poll = http
    .post(`/queues/${jobs}/reservations`)
    .send({ n: 1, wait: 30 })
    .then((res) => res);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await http.post(`/queues/${dead}/redrive`).send({}).expect(200);
  expect((await poll).body.messages.map((m: { id: string }) => m.id)).toEqual([id]);
});

describe('refused, and nothing moves', () => {
  let dead: string;
  beforeAll(async () => {
    dead = fresh('refuse-dead');
    await deadLetters(fresh('refuse'), dead, 2);
    await context.http.put('/queues/plain').send({}).expect(200);
  });

  test.each([
    [{ n: -1 }, 400, 'n must be a whole number from 0 to 1000000000'],
    [{ n: 'many' }, 400, 'n must be a whole number from 0 to 1000000000'],
    [{ n: 1.5 }, 400, 'n must be a whole number from 0 to 1000000000'],
    [{ n: 2_000_000_000 }, 400, 'n must be a whole number from 0 to 1000000000'],
    [{ n: [1] }, 400, 'n must be a whole number from 0 to 1000000000'],
    [{ to: 42 }, 400, 'to must be a string'],
    [{ to: 'a/b' }, 400, /to queue/],
    [{ to: 'SELF' }, 400, 'to must name another queue than the one redriven'],
    [{ to: 'nowhere' }, 404, 'Queue not found: nowhere (the redrive target)'],
  ])('POST %j answers %i', async (body, status, msg) => {
    const { http, server } = context;
    const file = path.join(server.dir, 'ferrite.db');
    const look = () => {
      const db = new Database(file, { readonly: true });
      try {
        return fingerprint(db);
      } finally {
        db.close();
      }
    };
    const before = look();
    const sent = (body as { to?: unknown }).to === 'SELF' ? { to: dead } : body;
    const res = await http.post(`/queues/${dead}/redrive`).send(sent);
    expectMatchesSpec(res);
    expect(res.status).toBe(status);
    expect(res.body.msg).toEqual(typeof msg === 'string' ? msg : expect.stringMatching(msg));
    expect(look()).toBe(before);
  });

  test('a queue that is no dead-letter queue needs `to`; a missing queue is 404', async () => {
    const { http } = context;
    const plain = await http.post('/queues/plain/redrive').send({});
    expectMatchesSpec(plain);
    expect([plain.status, plain.body.msg]).toEqual([
      400,
      'plain is not a dead-letter queue: no queue sends its dead letters here and none of its messages came from one. Give "to" to move its messages to a queue of your choice',
    ]);
    for (const res of [
      await http.post(`/queues/${fresh('missing')}/redrive`).send({}),
      await http.get(`/queues/${fresh('missing')}/redrive`),
    ]) {
      expectMatchesSpec(res);
      expect([res.status, res.body]).toEqual([404, { msg: 'Queue not found' }]);
    }
    expect((await http.get(`/queues/${dead}`)).body.queue.size).toBe(2);
  });

  test('another project’s token is refused', async () => {
    const { http, server } = context;
    const res = await http.raw
      .post(`/3/projects/${server.projectId}/queues/${dead}/redrive`)
      .set('Authorization', 'OAuth not-a-token-of-this-project')
      .send({});
    expect(res.status).toBe(401);
    expect((await http.get(`/queues/${dead}`)).body.queue.size).toBe(2);
  });
});
