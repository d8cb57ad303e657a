import path from 'node:path';
import request from 'supertest';
import { killAll, spawnServer } from '../helpers/process';
import { startReceiver } from '../helpers/receiver';
import { PROJECT_ID, TOKEN, tempDir } from '../helpers/server';

const AUTH = `OAuth ${TOKEN}`;
const base = `/3/projects/${PROJECT_ID}/queues`;

afterEach(killAll);

test('kill -9 while push deliveries are in flight: after restart every acknowledged message is delivered', async () => {
  // Slow answers keep deliveries in flight at the moment of the kill.
  const receiver = await startReceiver({ default: { status: 200, delayMs: 40 } });
  const dir = tempDir();
  const env = {
    FERRITE_DB_FILE: path.join(dir, 'ferrite.db'),
    FERRITE_PROJECT_ID: PROJECT_ID,
    FERRITE_TOKEN: TOKEN,
    FERRITE_PUSH_ALLOW_PRIVATE: 'true',
    // The lease of an attempt cut by the kill ends timeout + 5 s later: keep the timeout short.
    FERRITE_PUSH_TIMEOUT_MS: '300',
    FERRITE_PUSH_QUEUE_CONCURRENCY: '4',
  };
  const server = await spawnServer(env);
  const created = await request(server.url)
    .put(`${base}/pushed`)
    .set('Authorization', AUTH)
    .send({ queue: { type: 'multicast', push: { subscribers: [{ name: 'r', url: receiver.url() }] } } });
  expect(created.status).toBe(200);

  const acked: string[] = [];
  for (let i = 0; i < 40; i++) {
    const res = await request(server.url)
      .post(`${base}/pushed/messages`)
      .set('Authorization', AUTH)
      .send({ messages: [{ body: `m${i}` }, { body: `m${i}b` }] });
    acked.push(...(res.body.ids as string[]));
  }
  // Some deliveries done, others in flight or queued: kill without warning.
  for (let waited = 0; receiver.requests.length < 10 && waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  server.child.kill('SIGKILL');
  await server.exited;
  const deliveredBefore = receiver.requests.length;
  expect(deliveredBefore).toBeLessThan(acked.length);

  const restarted = await spawnServer(env);
  const seen = () => new Set(receiver.requests.map((r) => String(r.headers['iron-message-id'])));
  const size = async () =>
    (await request(restarted.url).get(`${base}/pushed`).set('Authorization', AUTH)).body.queue.size as number;
  // Bounded: queued deliveries go at once, attempts cut by the kill after their lease (timeout + 5 s).
  for (let waited = 0; (await size()) > 0 && waited < 15_000; waited += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const delivered = seen();
  expect(acked.filter((id) => !delivered.has(id))).toEqual([]);
  // At least once: a message may come twice only if its attempt was cut by the kill (at most the in-flight ones).
  const duplicates = receiver.requests.length - delivered.size;
  expect(duplicates).toBeLessThanOrEqual(4);
  expect(await size()).toBe(0);
  await receiver.close();
});
