import { cq, login } from '../crimsonq/cq';
import { api as ironmq } from '../helpers/http';
import type { TestServer } from '../helpers/server';
import { call, closeClients, redis, startResp } from './resp';

/** One engine under three interfaces: what RESP does is seen through REST and IronMQ, and the reverse. */

let server: TestServer;
let rest: ReturnType<typeof cq>;
beforeAll(async () => {
  server = await startResp();
  rest = cq(server, await login(server));
});
afterEach(() => closeClients());
afterAll(() => server.destroy());

test('a consumer and a message made over RESP, seen and finished through REST and IronMQ', async () => {
  const r = redis(server);
  expect(await call(r, 'consumer.create', 'shared', 'shared/#', '0')).toBe('Created:shared');
  expect(await call(r, 'msg.push.consumer', 'shared', 'from resp')).toBe('Ok');

  expect((await rest.get('/api/consumer/list')).body).toContain('shared');
  const listed = JSON.parse((await rest.get('/api/msg/list/json/shared/pending')).body as string) as {
    key: string;
    value: string;
  }[];
  expect(listed).toEqual([expect.objectContaining({ value: 'from resp', topic: 'direct:shared' })]);
  const id = listed[0]!.key;

  const peeked = await ironmq(server).get('/queues/shared/messages?n=10');
  expect((peeked.body as { messages: { id: string; body: string }[] }).messages).toEqual([
    expect.objectContaining({ id, body: 'from resp' }),
  ]);
  const reserved = await ironmq(server).post('/queues/shared/reservations').send({ n: 1 });
  const message = (reserved.body as { messages: { id: string; reservation_id: string }[] }).messages[0]!;
  expect(message.id).toBe(id);
  expect(await call(r, 'msg.counts', 'shared')).toEqual([
    'active:1',
    'completed:0',
    'delayed:0',
    'failed:0',
    'pending:0',
  ]);
  const deleted = await ironmq(server)
    .delete(`/queues/shared/messages/${id}`)
    .send({ reservation_id: message.reservation_id });
  expect(deleted.status).toBe(200);
  // A consumer keeps what IronMQ deletes as completed, until flushed.
  expect(await call(r, 'msg.keys', 'shared')).toEqual([`completed:${id}`]);
});

test('messages made through REST and IronMQ are pulled and completed over RESP', async () => {
  await rest.post('/api/consumer/create', { consumerId: 'other-way', topics: 'ow/+', concurrency: 0 });
  const viaRest = (
    await rest.post('/api/msg/push/consumer', { consumerId: 'other-way', messageString: 'rest' })
  ).headers['x-message-ids'] as string;
  const viaTopic = (
    (
      await ironmq(server)
        .post('/topics/messages')
        .send({ topic: 'ow/x', messages: [{ body: 'ironmq topic' }] })
    ).body as { ids: Record<string, string[]> }
  ).ids['other-way']![0]!;
  const viaQueue = (
    (
      await ironmq(server)
        .post('/queues/other-way/messages')
        .send({ messages: [{ body: 'iron' }] })
    ).body as { ids: string[] }
  ).ids[0]!;

  const r = redis(server);
  const pulled: { key: string; value: string }[] = [];
  for (let i = 0; i < 3; i++) pulled.push(JSON.parse((await call(r, 'msg.pull', 'other-way')) as string));
  expect(pulled.map((m) => [m.key, m.value])).toEqual([
    [viaRest, 'rest'],
    [viaTopic, 'ironmq topic'],
    [viaQueue, 'iron'],
  ]);
  for (const m of pulled) expect(await call(r, 'msg.complete', 'other-way', m.key)).toBe('Ok');
  expect((await rest.get('/api/msg/counts/other-way')).body).toEqual({
    active: 0,
    completed: 3,
    delayed: 0,
    failed: 0,
    pending: 0,
  });
  const info = await ironmq(server).get('/queues/other-way');
  expect((info.body as { queue: { size: number } }).queue.size).toBe(0);
});
