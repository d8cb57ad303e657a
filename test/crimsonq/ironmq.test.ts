import { api as ironmq } from '../helpers/http';
import type { TestServer } from '../helpers/server';
import { cq, login, startCq } from './cq';

/**
 * A consumer is a queue (spec crimsonq §6.3 #7): one created through /api is usable at
 * /3/projects/{p}/queues/{consumerId}, and a queue made through IronMQ is a consumer in /api.
 */

describe('one engine, two APIs', () => {
  let server: TestServer;
  let api: ReturnType<typeof cq>;
  let iron: ReturnType<typeof ironmq>;
  beforeAll(async () => {
    server = await startCq();
    api = cq(server, await login(server));
    iron = ironmq(server);
  });
  afterAll(() => server.destroy());

  test('a consumer created through /api is an IronMQ queue with the CrimsonQ settings', async () => {
    await api.post('/api/consumer/create', { consumerId: 'jobs', topics: 'jobs/#', concurrency: 2 });
    const res = await iron.get('/queues/jobs');
    expect(res.status).toBe(200);
    expect(res.body.queue).toMatchObject({
      name: 'jobs',
      type: 'pull',
      size: 0,
      message_timeout: 30,
      topics: ['jobs/#'],
      max_in_flight: 2,
      on_timeout: 'overdue',
      overdue_timeout: 30,
      retain_completed: true,
      idle_expiry: 48 * 3600,
    });
  });

  test('messages posted through IronMQ are pulled, completed and counted through /api', async () => {
    const posted = await iron.post('/queues/jobs/messages').send({ messages: [{ body: 'from iron' }] });
    expect(posted.status).toBe(201);
    const [id] = posted.body.ids as string[];
    expect((await api.get('/api/msg/keys/jobs')).body).toEqual([`pending:${id}`]);
    const pulled = await api.get('/api/msg/pull/jobs');
    expect(pulled.body).toMatchObject({
      key: id,
      topic: 'direct:jobs',
      value: 'from iron',
      status: 'active',
    });
    expect((await api.post('/api/msg/complete', { consumerId: 'jobs', messageId: id })).text).toBe('Ok');
    expect((await api.get('/api/msg/counts/jobs')).body).toMatchObject({ completed: 1, active: 0 });
    // Completed is not in IronMQ's size.
    expect((await iron.get('/queues/jobs')).body.queue.size).toBe(0);
  });

  test('messages pushed through /api are reserved and deleted through IronMQ; delete records completed', async () => {
    const pushed = await api.post('/api/msg/push/topic', {
      topicString: 'jobs/resize',
      messageString: 'from cq',
    });
    const id = pushed.headers['x-message-ids'] as string;
    expect((await iron.get('/queues/jobs')).body.queue.size).toBe(1);
    const reserved = await iron.post('/queues/jobs/reservations').send({ n: 1 });
    expect(reserved.body.messages).toEqual([
      expect.objectContaining({ id, body: 'from cq', reserved_count: 1 }),
    ]);
    expect((await api.get('/api/msg/counts/jobs')).body).toMatchObject({ active: 1, pending: 0 });
    const { reservation_id } = reserved.body.messages[0] as { reservation_id: string };
    expect((await iron.delete(`/queues/jobs/messages/${id}`).send({ reservation_id })).status).toBe(200);
    const completed = JSON.parse((await api.get('/api/msg/list/json/jobs/completed')).body as string) as {
      key: string;
    }[];
    expect(completed.map((m) => m.key)).toContain(id);
  });

  test('an IronMQ reserve on a consumer at its cap returns only the free slots, never an error', async () => {
    for (const body of ['a', 'b', 'c'])
      await api.post('/api/msg/push/consumer', { consumerId: 'jobs', messageString: body });
    expect((await api.get('/api/msg/pull/jobs')).status).toBe(200);
    const reserved = await iron.post('/queues/jobs/reservations').send({ n: 5 });
    expect(reserved.status).toBe(200);
    expect(reserved.body.messages).toHaveLength(1);
    const full = await iron.post('/queues/jobs/reservations').send({ n: 5 });
    expect([full.status, full.body.messages]).toEqual([200, []]);
    expect((await api.get('/api/msg/pull/jobs')).text).toBe('005:pull_exceeded_concurrency');
  });

  test('a queue created through IronMQ is a consumer in /api, and topics set on it route', async () => {
    await iron.put('/queues/made-by-iron').send({ queue: { topics: ['iron/+'] } });
    expect((await api.get('/api/consumer/list')).body).toEqual(['jobs', 'made-by-iron']);
    expect((await api.get('/api/consumer/info/made-by-iron')).body).toMatchObject({
      consumerId: 'made-by-iron',
      topics: ['iron/+'],
      concurrency: 0,
    });
    await api.post('/api/msg/push/topic', { topicString: 'iron/x', messageString: 'routed' });
    const reserved = await iron.post('/queues/made-by-iron/reservations').send({});
    expect(reserved.body.messages[0]).toMatchObject({ body: 'routed' });
  });

  test('a push queue is not a consumer: /api cannot give it a concurrency', async () => {
    const created = await iron.put('/queues/pusher').send({
      queue: { type: 'multicast', push: { subscribers: [{ name: 's', url: 'http://example.com/x' }] } },
    });
    expect(created.status).toBe(200);
    expect((await api.get('/api/consumer/exists/pusher')).body).toBe('false');
    const res = await api.post('/api/consumer/concurrency/set', { consumerId: 'pusher', concurrency: 2 });
    expect([res.status, res.text]).toEqual([400, '001:incorrect_consumer_id']);
    expect((await iron.get('/queues/pusher')).body.queue.max_in_flight).toBeUndefined();
    await iron.delete('/queues/pusher');
  });

  test('destroying through /api deletes the queue; deleting through IronMQ removes the consumer', async () => {
    expect((await api.post('/api/consumer/destroy', { consumerId: 'jobs' })).text).toBe('ok');
    expect((await iron.get('/queues/jobs')).status).toBe(404);
    expect((await iron.delete('/queues/made-by-iron')).status).toBe(200);
    expect((await api.get('/api/consumer/exists/made-by-iron')).body).toBe('false');
    expect((await api.get('/api/consumer/list')).text).toBe('null');
  });
});
