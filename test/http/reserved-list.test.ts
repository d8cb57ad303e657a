import { expectMatchesSpec } from '../helpers/openapi';
import { serverForFile, uniqueNames } from '../helpers/http';

/** GET …/reservations: the messages held now, for the dashboard's "Reserved" view (a Ferrite extension). */

const context = serverForFile();
const fresh = uniqueNames();

test('lists the held messages oldest first, with their reservation end and count but not their reservation id', async () => {
  const { http, server } = context;
  const queue = fresh('held');
  await http
    .post(`/queues/${queue}/messages`)
    .send({ messages: [{ body: 'a' }, { body: 'b' }, { body: 'c' }, { body: 'd' }] })
    .expect(201);
  const first = await http.post(`/queues/${queue}/reservations`).send({ n: 2, timeout: 30 }).expect(200);
  server.clock.advance(1000);
  const second = await http.post(`/queues/${queue}/reservations`).send({ n: 1, timeout: 120 }).expect(200);

  const res = await http.get(`/queues/${queue}/reservations`);
  expectMatchesSpec(res);
  expect(res.status).toBe(200);
  const held = res.body.messages as Record<string, unknown>[];
  expect(held.map((m) => m.body)).toEqual(['a', 'b', 'c']);
  expect(held[0]).toMatchObject({
    id: first.body.messages[0].id,
    reserved_count: 1,
    reserved_until: first.body.messages[0].reserved_until,
    timeout: 30,
  });
  expect(held[2]!.reserved_until).toBe(second.body.messages[0].reserved_until);
  for (const message of held) expect(message).not.toHaveProperty('reservation_id');

  // n limits the list; a timed-out reservation is not listed any more.
  expect((await http.get(`/queues/${queue}/reservations?n=1`).expect(200)).body.messages).toHaveLength(1);
  server.clock.advance(31_000);
  const after = await http.get(`/queues/${queue}/reservations`).expect(200);
  expect(after.body.messages.map((m: { body: string }) => m.body)).toEqual(['c']);
  // Reserved again, it shows its new count.
  await http.post(`/queues/${queue}/reservations`).send({ n: 1 }).expect(200);
  const again = await http.get(`/queues/${queue}/reservations`).expect(200);
  expect(again.body.messages.map((m: { reserved_count: number }) => m.reserved_count)).toEqual([2, 1]);
});

test('an empty list for a queue with nothing held; 404 for a missing queue', async () => {
  const { http } = context;
  const queue = fresh('idle');
  await http
    .post(`/queues/${queue}/messages`)
    .send({ messages: [{ body: 'x' }] })
    .expect(201);
  expect((await http.get(`/queues/${queue}/reservations`).expect(200)).body).toEqual({ messages: [] });
  const missing = await http.get(`/queues/${fresh('missing')}/reservations`);
  expectMatchesSpec(missing);
  expect([missing.status, missing.body]).toEqual([404, { msg: 'Queue not found' }]);
});

test.each(['101', '-1', 'ten', '1.5', '1&n=2'])(
  'n=%s is refused with 400, and nothing changes',
  async (n) => {
    const { http } = context;
    const queue = fresh('bad-n');
    await http
      .post(`/queues/${queue}/messages`)
      .send({ messages: [{ body: 'x' }] })
      .expect(201);
    await http.post(`/queues/${queue}/reservations`).send({ n: 1 }).expect(200);
    const before = (await http.get(`/queues/${queue}`)).body;
    const res = await http.get(`/queues/${queue}/reservations?n=${n}`);
    expectMatchesSpec(res);
    expect(res.status).toBe(400);
    expect(res.body.msg).toMatch(/^n /);
    expect((await http.get(`/queues/${queue}`)).body).toEqual(before);
  },
);

test('the token of another project is refused', async () => {
  const { http, server } = context;
  const res = await http.raw
    .get(`/3/projects/${server.projectId}/queues/x/reservations`)
    .set('Authorization', 'OAuth not-a-token-of-this-project');
  expect([res.status, res.body]).toEqual([401, { msg: 'Invalid project/token combination' }]);
});
