import path from 'node:path';
import request from 'supertest';
import { api } from '../helpers/http';
import { killAll, spawnServer } from '../helpers/process';
import { PROJECT_ID, TOKEN, startServer, tempDir } from '../helpers/server';

const AUTH = `OAuth ${TOKEN}`;
const base = `/3/projects/${PROJECT_ID}/queues`;

afterEach(killAll);

test('after a clean restart, acknowledged messages are all there and deleted ones stay deleted', async () => {
  const dir = tempDir();
  const first = await startServer({ dir });
  const http = api(first);
  const posted = await http
    .post('/queues/keep/messages')
    .send({ messages: [{ body: 'a' }, { body: 'b' }, { body: 'c' }] });
  const [a, b, c] = posted.body.ids as string[];
  await http.delete(`/queues/keep/messages/${b}`).send({});
  const reserved = await http.post('/queues/keep/reservations').send({ n: 1 });
  await first.stop();

  const second = await startServer({ dir, clock: first.clock });
  const again = api(second);
  expect((await again.get('/queues/keep')).body.queue).toMatchObject({ size: 2, total_messages: 3 });
  expect((await again.get(`/queues/keep/messages/${a}`)).body.message).toMatchObject({
    body: 'a',
    reserved_count: 1,
  });
  expect((await again.get(`/queues/keep/messages/${b}`)).status).toBe(404);
  // The reservation survives the restart: the holder can still delete with it.
  const held = reserved.body.messages[0];
  expect(
    (await again.delete(`/queues/keep/messages/${held.id}`).send({ reservation_id: held.reservation_id }))
      .status,
  ).toBe(200);
  expect((await again.post('/queues/keep/reservations').send({})).body.messages[0].id).toBe(c);
  await second.destroy();
});

test('kill -9 in the middle of posting and deleting loses nothing acknowledged and resurrects nothing deleted', async () => {
  const dir = tempDir();
  const env = {
    FERRITE_DB_FILE: path.join(dir, 'ferrite.db'),
    FERRITE_PROJECT_ID: PROJECT_ID,
    FERRITE_TOKEN: TOKEN,
  };
  const server = await spawnServer(env);
  const acked: string[] = [];
  const deleted: string[] = [];
  // Deletes sent whose answer never came (the kill): applied or not, nobody can say.
  const inDoubt = new Set<string>();
  let running = true;

  const producer = async () => {
    for (let i = 0; running && i < 2000; i++) {
      try {
        const res = await request(server.url)
          .post(`${base}/crash/messages`)
          .set('Authorization', AUTH)
          .send({ messages: [{ body: `m${i}` }, { body: `m${i}b` }] });
        if (res.status === 201) acked.push(...(res.body.ids as string[]));
      } catch {
        return; // the server died mid-request: that post was never acknowledged
      }
    }
  };
  const consumer = async () => {
    while (running) {
      try {
        const res = await request(server.url)
          .post(`${base}/crash/reservations`)
          .set('Authorization', AUTH)
          .send({ n: 3 });
        for (const m of (res.body.messages ?? []) as { id: string; reservation_id: string }[]) {
          inDoubt.add(m.id);
          const del = await request(server.url)
            .delete(`${base}/crash/messages/${m.id}`)
            .set('Authorization', AUTH)
            .send({ reservation_id: m.reservation_id });
          if (del.status === 200) deleted.push(m.id);
          inDoubt.delete(m.id);
        }
      } catch {
        return;
      }
    }
  };
  const load = Promise.all([producer(), producer(), consumer()]);
  // Let real traffic build up (bounded in time, so a slow machine still ends), then kill without warning.
  for (let waited = 0; (acked.length < 100 || deleted.length < 10) && waited < 8000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  server.child.kill('SIGKILL');
  await server.exited;
  running = false;
  await load;
  expect(acked.length).toBeGreaterThanOrEqual(100);
  expect(deleted.length).toBeGreaterThanOrEqual(10);

  const restarted = await spawnServer(env);
  const queue = await request(restarted.url).get(`${base}/crash`).set('Authorization', AUTH);
  const deletedSet = new Set(deleted);
  const live = acked.filter((id) => !deletedSet.has(id) && !inDoubt.has(id));
  // Every acknowledged, undeleted message is there (size may also count posts that landed but were not acked).
  expect(queue.body.queue.size).toBeGreaterThanOrEqual(live.length);
  for (const id of live) {
    const res = await request(restarted.url).get(`${base}/crash/messages/${id}`).set('Authorization', AUTH);
    expect(res.status).toBe(200);
  }
  for (const id of deleted) {
    const res = await request(restarted.url).get(`${base}/crash/messages/${id}`).set('Authorization', AUTH);
    expect(res.status).toBe(404);
  }
  restarted.child.kill('SIGTERM');
  expect(await restarted.exited).toBe(0);
});

test('SIGTERM answers a parked long poll with an empty list and exits cleanly', async () => {
  const dir = tempDir();
  const env = {
    FERRITE_DB_FILE: path.join(dir, 'ferrite.db'),
    FERRITE_PROJECT_ID: PROJECT_ID,
    FERRITE_TOKEN: TOKEN,
  };
  const server = await spawnServer(env);
  await request(server.url).put(`${base}/idle`).set('Authorization', AUTH).send({});
  const started = Date.now();
  const poll = request(server.url)
    .post(`${base}/idle/reservations`)
    .set('Authorization', AUTH)
    .send({ wait: 30 });
  const pending = poll.then((res) => res);
  await new Promise((resolve) => setTimeout(resolve, 300));
  server.child.kill('SIGTERM');
  const res = await pending;
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ messages: [] });
  expect(Date.now() - started).toBeLessThan(5000);
  expect(await server.exited).toBe(0);
});
