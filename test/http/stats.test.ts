import Database from 'better-sqlite3';
import path from 'node:path';
import request from 'supertest';
import { runOnce as expireOnce } from '../../src/worker/jobs/expiry';
import { runOnce as flushOnce } from '../../src/worker/jobs/activity-flush';
import { api } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { startServer, tempDir, type TestServer } from '../helpers/server';
import { fingerprint } from '../reliability/store-checks';

/**
 * GET …/queues/{q}/stats and GET …/stats: activity over time counted from real operations on a real server,
 * kept across a restart.
 */

interface Bucket {
  start: string;
  posted: number;
  reserved: number;
  deleted: number;
  expired: number;
  dead_lettered: number;
  size: number | null;
}
interface Series {
  interval: number;
  buckets: Bucket[];
}

const MIN = 60_000;
const counts = (b: Bucket) => [b.posted, b.reserved, b.deleted, b.expired, b.dead_lettered, b.size];

let server: TestServer;
let http: ReturnType<typeof api>;
const dir = tempDir();

beforeAll(async () => {
  server = await startServer({ dir });
  http = api(server);
});
afterAll(() => server.destroy());

async function stats(queue: string, period?: string): Promise<{ hour?: Series; day?: Series }> {
  const res = await http.get(`/queues/${queue}/stats${period ? `?period=${period}` : ''}`);
  expectMatchesSpec(res);
  expect(res.status).toBe(200);
  expect(res.body.stats.queue).toBe(queue);
  return res.body.stats;
}

test('every counter moves with the operation it counts, in the minute it happened, flushed or not', async () => {
  // A whole minute, so every operation below lands in one bucket.
  server.clock.set(Date.UTC(2026, 1, 1, 9, 0, 0));
  await http
    .put('/queues/jobs')
    .send({
      queue: { message_expiration: 30, dead_letter: { queue_name: 'jobs-dead', max_reservations: 1 } },
    })
    .expect(200);
  const posted = await http
    .post('/queues/jobs/messages')
    .send({ messages: ['a', 'b', 'c', 'd', 'e', 'f'].map((body) => ({ body })) })
    .expect(201);
  const ids = posted.body.ids as string[];
  // a: reserved and deleted; b: reserved with delete; c: reserved, timed out, then dead-lettered.
  const [a] = (await http.post('/queues/jobs/reservations').send({ n: 1, timeout: 5 })).body.messages;
  await http.delete(`/queues/jobs/messages/${a.id}`).send({ reservation_id: a.reservation_id }).expect(200);
  await http.post('/queues/jobs/reservations').send({ n: 1, delete: true }).expect(200);
  await http.post('/queues/jobs/reservations').send({ n: 1, timeout: 5 }).expect(200);
  server.clock.advance(6000);
  const again = await http.post('/queues/jobs/reservations').send({ n: 1, timeout: 5 }).expect(200);
  expect(again.body.messages[0].id).toBe(ids[3]);
  // The dead-letter queue shows its size, though nothing was posted to it.
  expect((await stats('jobs-dead', 'hour')).hour!.buckets[59]!.size).toBe(1);
  // d (reserved), e and f reach their expiration; so does c, in the dead-letter queue (counted there).
  server.clock.advance(25_000);
  expect(await expireOnce({ store: server.store, events: server.engine.events }, server.clock.now())).toBe(4);

  const expected = { posted: 6, reserved: 4, deleted: 2, expired: 3, dead_lettered: 1 };
  const before = (await stats('jobs', 'hour')).hour!;
  expect(before.interval).toBe(60);
  expect(before.buckets).toHaveLength(60);
  const last = before.buckets[59]!;
  expect(last).toEqual({ start: '2026-02-01T09:00:00.000Z', ...expected, size: 0 });
  expect(before.buckets.slice(0, 59).every((b) => b.posted === 0 && b.size === null)).toBe(true);

  // Flushed by the worker's job: the same answer, now from the data file.
  // Two (queue, minute) counts: jobs, and jobs-dead's expiry.
  expect(await flushOnce({ activity: server.activity }, server.clock.now())).toBe(2);
  expect((await stats('jobs', 'hour')).hour!.buckets[59]).toEqual(last);
  const db = new Database(path.join(dir, 'ferrite.db'), { readonly: true });
  const stored = db
    .prepare(
      `SELECT a.resolution, a.posted, a.reserved, a.deleted, a.expired, a.dead_lettered, a.size
       FROM queue_activity a JOIN queues q ON q.id = a.queue_id WHERE q.name = 'jobs' ORDER BY a.resolution`,
    )
    .all();
  db.close();
  expect(stored).toEqual([
    { resolution: 60, ...expected, size: 0 },
    { resolution: 600, ...expected, size: 0 },
  ]);

  expect(counts((await stats('jobs-dead', 'hour')).hour!.buckets[59]!)).toEqual([0, 0, 0, 1, 0, 0]);
});

test('minutes make the hour, ten minutes make the day; the size carries from bucket to bucket', async () => {
  server.clock.set(Date.UTC(2026, 1, 1, 10, 0, 0));
  await http
    .post('/queues/steps/messages')
    .send({ messages: [{ body: '1' }, { body: '2' }] })
    .expect(201);
  await server.activity.flush();
  server.clock.advance(3 * MIN);
  await http
    .post('/queues/steps/messages')
    .send({ messages: [{ body: '3' }] })
    .expect(201);
  await server.activity.flush();
  server.clock.advance(8 * MIN);
  await http.post('/queues/steps/reservations').send({ n: 1, delete: true }).expect(200);

  const { hour, day } = await stats('steps');
  const hourly = hour!.buckets.slice(-12).map(counts);
  expect(hourly).toEqual([
    [2, 0, 0, 0, 0, 2],
    [0, 0, 0, 0, 0, 2],
    [0, 0, 0, 0, 0, 2],
    [1, 0, 0, 0, 0, 3],
    [0, 0, 0, 0, 0, 3],
    [0, 0, 0, 0, 0, 3],
    [0, 0, 0, 0, 0, 3],
    [0, 0, 0, 0, 0, 3],
    [0, 0, 0, 0, 0, 3],
    [0, 0, 0, 0, 0, 3],
    [0, 0, 0, 0, 0, 3],
    [0, 1, 1, 0, 0, 2],
  ]);
  expect(day!.interval).toBe(600);
  expect(day!.buckets).toHaveLength(144);
  expect(day!.buckets.slice(-2).map(counts)).toEqual([
    [3, 0, 0, 0, 0, 3],
    [0, 1, 1, 0, 0, 2],
  ]);
  expect(day!.buckets.at(-1)!.start).toBe('2026-02-01T10:10:00.000Z');
});

test('the project sums its queues', async () => {
  const res = await http.get('/stats?period=hour');
  expectMatchesSpec(res);
  const last = res.body.stats.hour.buckets.at(-1) as Bucket;
  expect(res.body.stats.project_id).toBe(server.projectId);
  expect(res.body.stats.day).toBeUndefined();
  // steps holds 2, jobs and jobs-dead nothing; this minute saw one reserve with delete.
  expect(counts(last)).toEqual([0, 1, 1, 0, 0, 2]);
  const whole = (await http.get('/stats').expect(200)).body.stats;
  const posted = (whole.day.buckets as Bucket[]).reduce((sum, b) => sum + b.posted, 0);
  expect(posted).toBe(9);
});

test('the counts survive a restart', async () => {
  const before = await stats('steps', 'day');
  await server.stop();
  server = await startServer({ dir, clock: server.clock });
  http = api(server);
  expect(await stats('steps', 'day')).toEqual(before);
});

describe('bad input', () => {
  test.each([
    ['/queues/steps/stats?period=week', 400, 'period must be hour or day'],
    ['/queues/steps/stats?period=hour&period=day', 400, 'period must be hour or day'],
    ['/stats?period=', 400, 'period must be hour or day'],
    ['/queues/nothing-here/stats', 404, 'Queue not found'],
  ])('GET %s answers %i and writes nothing', async (url, status, msg) => {
    const file = path.join(dir, 'ferrite.db');
    const look = () => {
      const db = new Database(file, { readonly: true });
      try {
        return fingerprint(db);
      } finally {
        db.close();
      }
    };
    const before = look();
    const res = await http.get(url);
    expectMatchesSpec(res);
    expect([res.status, res.body]).toEqual([status, { msg }]);
    expect(look()).toBe(before);
  });

  test('another project’s token sees nothing', async () => {
    const res = await request(server.url)
      .get(`/3/projects/${server.projectId}/queues/steps/stats`)
      .set('Authorization', 'OAuth not-the-token-of-this-project');
    expect([res.status, res.body]).toEqual([401, { msg: 'Invalid project/token combination' }]);
  });
});
