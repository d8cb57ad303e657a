import { api } from '../helpers/http';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.destroy());

test('concurrent mixed requests share commits: the failing ones change nothing, all the others commit', async () => {
  const http = api(server);
  const seeded = await http
    .post('/queues/gc/messages')
    .send({ messages: [{ body: 'held' }, { body: 'free' }, { body: 'spare' }] });
  const [heldId, freeId, spareId] = seeded.body.ids as string[];
  const reserved = await http.post('/queues/gc/reservations').send({ n: 1 });
  expect(reserved.body.messages[0].id).toBe(heldId);

  // Fired together, these land in the same event-loop turn and so in the same group transaction.
  const results = await Promise.all([
    ...Array.from({ length: 20 }, (_, i) =>
      http.post('/queues/gc/messages').send({ messages: [{ body: `m${i}` }] }),
    ),
    http.delete(`/queues/gc/messages/${heldId}`).send({ reservation_id: 'not-the-reservation' }),
    http.delete('/queues/gc/messages').send({ ids: [{ id: spareId }, { id: heldId }] }),
    http.post('/queues/missing-queue/reservations').send({}),
    http.post(`/queues/gc/messages/${freeId}/touch`).send({ reservation_id: 'nope' }),
    http.delete(`/queues/gc/messages/${freeId}`).send({}),
  ]);
  const statuses = results.map((r) => r.status);
  expect(statuses.slice(0, 20)).toEqual(Array(20).fill(201));
  expect(statuses.slice(20)).toEqual([403, 403, 404, 403, 200]);

  // 3 seeded + 20 posted; `free` deleted; the refused batch delete deleted nothing (not even `spare`, listed first).
  const queue = await http.get('/queues/gc');
  expect(queue.body.queue).toMatchObject({ size: 22, total_messages: 23 });
  expect((await http.get(`/queues/gc/messages/${spareId}`)).status).toBe(200);
  expect((await http.get(`/queues/gc/messages/${heldId}`)).body.message.reserved_count).toBe(1);
  expect((await http.get(`/queues/gc/messages/${freeId}`)).status).toBe(404);
  const ids = new Set(results.slice(0, 20).map((r) => (r.body.ids as string[])[0]));
  expect(ids.size).toBe(20);
});
