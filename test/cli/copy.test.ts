import path from 'node:path';
import request from 'supertest';
import { runCli } from '../../src/cli/commands';
import { FakeClock } from '../../src/engine/clock';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { PROJECT_ID, TOKEN, startServer, tempDir, type TestServer } from '../helpers/server';

/**
 * `ferrite copy`: a SQLite data file with every kind of state is copied into an empty PostgreSQL database; a
 * server on PostgreSQL then answers the same bytes as the server on the file did; a non-empty target is refused.
 */

let db: TestDatabase;
let receiver: Receiver;
const dir = tempDir();
const file = path.join(dir, 'ferrite.db');
const clock = new FakeClock();

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await startReceiver({ default: 202 });
});
afterAll(async () => {
  await receiver.close();
  await db.drop();
});

async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { FERRITE_DB_FILE: file, ...env },
    clock,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The wire answers compared before and after the copy. */
const READS = [
  '/queues?detail=true',
  '/queues/jobs',
  '/queues/jobs/messages?n=100',
  '/queues/pushed',
  '/queues/watched',
  '/queues/consumer',
  // Dead letters with their origin (redrive), and the activity buckets (stats over time).
  '/queues/failing-dead/redrive',
  '/queues/jobs/stats',
  '/stats',
];

async function answers(server: TestServer): Promise<string[]> {
  const texts: string[] = [];
  for (const read of READS) {
    const res = await request(server.url)
      .get(`/3/projects/${PROJECT_ID}${read}`)
      .set('Authorization', `OAuth ${TOKEN}`);
    texts.push(`${res.status} ${res.text}`);
  }
  return texts;
}

test('a data file with every kind of state is copied, verified, and served the same from PostgreSQL', async () => {
  const sqlite = await startServer({ dir, clock, env: { FERRITE_PUSH_ALLOW_PRIVATE: 'true' } });
  const http = (method: 'post' | 'put' | 'get', p: string) =>
    request(sqlite.url)[method](`/3/projects/${PROJECT_ID}${p}`).set('Authorization', `OAuth ${TOKEN}`);
  await http('put', '/queues/jobs').send({ queue: { message_timeout: 90, message_expiration: 3600 } });
  await http('post', '/queues/jobs/messages').send({
    messages: [
      { body: 'a' },
      { body: 'b', delay: 60 },
      { body: 'c', push_headers: { 'X-A': '1' } },
      { body: 'd' },
    ],
  });
  const reserved = await http('post', '/queues/jobs/reservations').send({ n: 1, timeout: 120 });
  expect(reserved.status).toBe(200);
  await http('put', '/queues/pushed').send({
    queue: { type: 'multicast', push: { subscribers: [{ name: 's', url: receiver.url() }], retries: 2 } },
  });
  await http('post', '/queues/pushed/messages').send({ messages: [{ body: 'p1' }, { body: 'p2' }] });
  await sqlite.push.drain();
  await http('put', '/queues/watched').send({
    queue: { alerts: [{ type: 'progressive', direction: 'asc', trigger: 2, queue: 'watched-alerts' }] },
  });
  await http('post', '/queues/watched/messages').send({
    messages: [{ body: 'w1' }, { body: 'w2' }, { body: 'w3' }],
  });
  await sqlite.store.putQueue({
    projectId: PROJECT_ID,
    name: 'consumer',
    settings: {
      ...(await sqlite.store.getQueue(PROJECT_ID, 'jobs'))!,
      onTimeout: 'overdue',
      overdueTimeout: 30,
      maxInFlight: 2,
      retainCompleted: true,
      topics: ['orders/#', 'billing/+'],
    },
    now: clock.now(),
    mode: 'create',
  });
  await sqlite.store.publish(
    PROJECT_ID,
    'orders/eu',
    [{ body: 'o1', delay: 0, pushHeaders: null }],
    clock.now(),
  );
  await sqlite.store.publish(
    PROJECT_ID,
    'orders/us',
    [{ body: 'o2', delay: 0, pushHeaders: null }],
    clock.now(),
  );
  const pulled = await sqlite.store.reserveMessages({
    projectId: PROJECT_ID,
    name: 'consumer',
    n: 1,
    timeoutSeconds: 30,
    deleteOnReserve: false,
    now: clock.now(),
  });
  await sqlite.store.completeMessage(PROJECT_ID, 'consumer', pulled!.messages[0]!.id, clock.now());
  await http('put', '/queues/failing').send({
    queue: { dead_letter: { queue_name: 'failing-dead', max_reservations: 1 } },
  });
  await http('post', '/queues/failing/messages').send({ messages: [{ body: 'f1' }, { body: 'f2' }] });
  await http('post', '/queues/failing/reservations').send({ n: 2, timeout: 1 });
  clock.advance(2000);
  await http('post', '/queues/failing/reservations').send({ n: 1 });
  await sqlite.activity.flush();
  const before = await answers(sqlite);
  expect(before.join('\n')).toContain('"messages":[{"from":"failing","count":2}]');
  const statuses = ['pending', 'active', 'completed'] as const;
  const consumerBefore = await Promise.all(
    statuses.map((status) => sqlite.store.listStatus(PROJECT_ID, 'consumer', status, clock.now(), 100)),
  );
  await sqlite.stop();

  const copied = await cli(['copy', '--to', db.url], {});
  expect(copied.err).toBe('');
  expect(copied.code).toBe(0);
  expect(copied.out).toMatch(/verified/);

  const postgres = await startServer({
    dir: tempDir(),
    clock,
    env: { FERRITE_DATABASE_URL: db.url, FERRITE_PUSH_ALLOW_PRIVATE: 'true' },
  });
  try {
    expect(await answers(postgres)).toEqual(before);
    // Consumer messages keep their statuses, errors and status history.
    const consumerAfter = await Promise.all(
      statuses.map((status) => postgres.store.listStatus(PROJECT_ID, 'consumer', status, clock.now(), 100)),
    );
    expect(consumerAfter).toEqual(consumerBefore);
    expect(consumerBefore[2]![0]!.statusTimes).toHaveProperty('completed');
    // The reservation came along: its holder can still delete the message, on the new backend.
    const message = (reserved.body as { messages: { id: string; reservation_id: string }[] }).messages[0]!;
    const deleted = await request(postgres.url)
      .delete(`/3/projects/${PROJECT_ID}/queues/jobs/messages/${message.id}`)
      .set('Authorization', `OAuth ${TOKEN}`)
      .send({ reservation_id: message.reservation_id });
    expect(deleted.status).toBe(200);
    // Ids continue after the copied ones.
    const next = await request(postgres.url)
      .post(`/3/projects/${PROJECT_ID}/queues/jobs/messages`)
      .set('Authorization', `OAuth ${TOKEN}`)
      .send({ messages: [{ body: 'after' }] });
    const last = Math.max(
      ...before.flatMap((text) => [...text.matchAll(/"id":"(\d+)"/g)].map((m) => Number(m[1]))),
    );
    expect(Number((next.body as { ids: string[] }).ids[0])).toBeGreaterThan(last);
  } finally {
    await postgres.destroy();
  }

  const again = await cli(['copy', '--to', db.url], {});
  expect(again.code).toBe(1);
  expect(again.err).toMatch(/not empty/);
});
