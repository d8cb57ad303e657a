import { startCluster, eventually, type Cluster } from '../helpers/cluster';
import { startReceiver, type Receiver } from '../helpers/receiver';

/**
 * Push deliveries are claimed by any node, once per attempt over all nodes, with the per-queue concurrency held
 * across nodes (leases counted in the database); an alert crossed by posts on several nodes fires once.
 */

// Several server processes on a shared 2-core machine: each test gets more time than the default.
jest.setTimeout(60_000);

let cluster: Cluster;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver({ default: { status: 200, delayMs: 50 } });
  cluster = await startCluster(3, {
    env: { FERRITE_PUSH_ALLOW_PRIVATE: 'true', FERRITE_PUSH_QUEUE_CONCURRENCY: '2' },
  });
}, 60_000);
afterAll(async () => {
  await cluster.destroy();
  await receiver.close();
});

test('each push message is delivered once over three nodes, at most 2 at a time for the queue', async () => {
  const created = await cluster.client(0).call('PUT', '/queues/pushed', {
    queue: { type: 'multicast', push: { subscribers: [{ name: 's', url: receiver.url() }], retries: 0 } },
  });
  expect(created.status).toBe(200);
  const total = 30;
  for (let i = 0; i < total; i++) await cluster.client(i % 3).post('pushed', [`p${i}`]);
  const requests = await receiver.received(total, 20_000);
  // Give a duplicate, if any node made one, the time to arrive.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const ids = receiver.requests.map((r) => r.headers['iron-message-id']);
  process.stdout.write(
    `push over 3 nodes: ${requests.length} deliveries for ${total} messages, ${new Set(ids).size} distinct, ` +
      `at most ${receiver.maxConcurrent} in flight for the queue\n`,
  );
  expect(new Set(ids).size).toBe(total);
  expect(receiver.requests).toHaveLength(total);
  expect(receiver.maxConcurrent).toBeLessThanOrEqual(2);
  await eventually(
    async () =>
      ((await cluster.client(1).call('GET', '/queues/pushed')).body.queue as { size: number }).size === 0 ||
      undefined,
    10_000,
    'every push message to complete',
  );
});

test('an alert crossed by posts on three nodes at once fires once', async () => {
  await cluster.client(0).call('PUT', '/queues/watched', { queue: {} });
  const added = await cluster.client(1).call('POST', '/queues/watched/alerts', {
    alerts: [{ type: 'fixed', direction: 'asc', trigger: 25, queue: 'watched-alerts' }],
  });
  expect(added.status).toBe(200);
  await Promise.all(Array.from({ length: 60 }, (_, i) => cluster.client(i % 3).post('watched', [`w${i}`])));
  const alerts = await cluster.client(2).call('GET', '/queues/watched-alerts');
  expect(alerts.body.queue).toMatchObject({ size: 1 });
});
