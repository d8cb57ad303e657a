import { startCluster, type Cluster } from '../helpers/cluster';

/**
 * Three Ferrite processes on one PostgreSQL database: a reservation is held by one client at a time across all
 * nodes. Consumers on every node reserve concurrently until the queue is empty; every message must have been
 * handed out exactly once, and reservation ids that are no longer current are refused by every node.
 */

// Several server processes on a shared 2-core machine: each test gets more time than the default.
jest.setTimeout(60_000);

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(3);
}, 60_000);
afterAll(() => cluster.destroy());

const CONSUMERS_PER_NODE = 4;

async function drainConcurrently(
  queue: string,
  n: number,
): Promise<{ holds: Map<string, number>; byNode: number[] }> {
  const holds = new Map<string, number>();
  const byNode = [0, 0, 0];
  await Promise.all(
    [0, 1, 2].flatMap((node) =>
      Array.from({ length: CONSUMERS_PER_NODE }, async () => {
        const client = cluster.client(node);
        for (;;) {
          const messages = await client.reserve(queue, n, { timeout: 120 });
          if (messages.length === 0) return;
          byNode[node]! += messages.length;
          for (const message of messages) holds.set(message.id, (holds.get(message.id) ?? 0) + 1);
        }
      }),
    ),
  );
  return { holds, byNode };
}

test.each([
  [1, 300],
  [100, 3000],
])(
  'reserve n=%i from every node at once: each of %i messages is held once, 0 double holds',
  async (n, total) => {
    const queue = `exclusive-${n}`;
    for (let i = 0; i < total; i += 100) {
      await cluster.client(i % 3).post(
        queue,
        Array.from({ length: Math.min(100, total - i) }, (_, j) => `m${i + j}`),
      );
    }
    const { holds, byNode } = await drainConcurrently(queue, n);
    const doubles = [...holds.values()].filter((count) => count > 1).length;
    process.stdout.write(
      `exclusivity n=${n}: ${holds.size} messages reserved over 3 nodes (${byNode.join(' / ')}), ${doubles} double holds\n`,
    );
    expect(doubles).toBe(0);
    expect(holds.size).toBe(total);
    // The reservations were spread: every node handed out some.
    for (const count of byNode) expect(count).toBeGreaterThan(0);
    const info = await cluster.client(1).call('GET', `/queues/${queue}`);
    expect(info.body.queue).toMatchObject({ size: total, total_messages: total });
  },
);

test('a reservation id that is no longer current is refused by every node; the current one works anywhere', async () => {
  const queue = 'stale';
  const [id] = await cluster.client(0).post(queue, ['x']);
  const [held] = await cluster.client(0).reserve(queue, 1, { timeout: 60 });
  // Touched on another node: the first id is stale from now on.
  const touched = await cluster.client(1).call('POST', `/queues/${queue}/messages/${id}/touch`, {
    reservation_id: held!.reservation_id,
  });
  expect(touched.status).toBe(200);
  const current = touched.body.reservation_id as string;
  for (const node of [0, 1, 2]) {
    expect(await cluster.client(node).remove(queue, id!, held!.reservation_id)).toBe(403);
    const release = await cluster.client(node).call('POST', `/queues/${queue}/messages/${id}/release`, {
      reservation_id: held!.reservation_id,
    });
    expect(release.status).toBe(403);
  }
  expect(await cluster.client(2).remove(queue, id!, current)).toBe(200);
  for (const node of [0, 1, 2]) expect(await cluster.client(node).remove(queue, id!, current)).toBe(404);
});

test('answers name the node that served them', async () => {
  const names = await Promise.all(
    [0, 1, 2].map(async (i) => (await cluster.client(i).call('GET', '/queues')).node),
  );
  expect(names).toEqual(['node-0', 'node-1', 'node-2']);
  const health = await cluster.client(2).health();
  expect(health).toMatchObject({ node: 'node-2', store: 'postgres' });
  expect(['node-0', 'node-1', 'node-2']).toContain(health.leader);
});
