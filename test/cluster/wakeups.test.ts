import { performance } from 'node:perf_hooks';
import { percentile, startCluster, type Cluster } from '../helpers/cluster';

/**
 * A long poll parked on one node wakes when a message is posted on another (LISTEN/NOTIFY), and a node in poll
 * mode (FERRITE_DATABASE_LISTEN=false, as behind PgBouncer's transaction pooling) still gets it, within its
 * poll interval. The latencies are printed, not asserted.
 */

// Several server processes on a shared 2-core machine: each test gets more time than the default.
jest.setTimeout(60_000);

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(3, {
    perNode: (i): Record<string, string> =>
      i === 2 ? { FERRITE_DATABASE_LISTEN: 'false', FERRITE_DATABASE_POLL_MS: '200' } : {},
  });
}, 60_000);
afterAll(() => cluster.destroy());

/** Parks a long poll on `waiter`, posts on `poster`, and returns ms from the post's answer to the poll's. */
async function crossNodeWake(queue: string, poster: number, waiter: number): Promise<number> {
  const parked = cluster.client(waiter).reserve(queue, 1, { wait: 10, timeout: 30 });
  // Give the reserve time to find the queue empty and park (it looks once, then waits for a wake-up).
  await new Promise((resolve) => setTimeout(resolve, 30));
  await cluster.client(poster).post(queue, ['wake']);
  const posted = performance.now();
  const [message] = await parked;
  expect(message?.body).toBe('wake');
  await cluster.client(poster).remove(queue, message!.id, message!.reservation_id);
  return performance.now() - posted;
}

test('a post on node A wakes a long poll parked on node B', async () => {
  await cluster.client(0).call('PUT', '/queues/wake', { queue: {} });
  const latencies: number[] = [];
  for (let round = 0; round < 40; round++)
    latencies.push(await crossNodeWake('wake', round % 2, 1 - (round % 2)));
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `cross-node wake (LISTEN/NOTIFY), ${latencies.length} rounds: p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(1)} ms\n`,
  );
  expect(latencies).toHaveLength(40);
});

test('a node in poll mode gets the message too, within its poll interval', async () => {
  await cluster.client(0).call('PUT', '/queues/polled', { queue: {} });
  const latencies: number[] = [];
  for (let round = 0; round < 5; round++) latencies.push(await crossNodeWake('polled', 0, 2));
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `poll mode (FERRITE_DATABASE_POLL_MS=200), ${latencies.length} rounds: ` +
      `max ${latencies[latencies.length - 1]!.toFixed(1)} ms\n`,
  );
});

test('many long polls on several nodes: each post wakes as many as it added, none is lost', async () => {
  const queue = 'many';
  await cluster.client(0).call('PUT', `/queues/${queue}`, { queue: {} });
  const polls = [0, 1, 2].flatMap((node) =>
    Array.from({ length: 5 }, () => cluster.client(node).reserve(queue, 1, { wait: 10, timeout: 60 })),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (let i = 0; i < 15; i++) await cluster.client(i % 3).post(queue, [`m${i}`]);
  const got = (await Promise.all(polls)).flat();
  expect(got.map((m) => m.body).sort()).toEqual(Array.from({ length: 15 }, (_, i) => `m${i}`).sort());
});
