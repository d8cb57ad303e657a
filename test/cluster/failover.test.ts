import { performance } from 'node:perf_hooks';
import { eventually, startCluster, type Cluster } from '../helpers/cluster';

/**
 * Nodes die: kill -9 of the maintenance leader hands the jobs to another node within the lease; kill -9 of a
 * node under load loses no acknowledged message (messages it had handed out come back when their reservation
 * times out, and are delivered by the survivors).
 */

// Several server processes on a shared 2-core machine: each test gets more time than the default.
jest.setTimeout(60_000);

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(3);
}, 60_000);
afterAll(() => cluster.destroy());

test('kill -9 of the leader: another node takes over the maintenance jobs', async () => {
  const leader = await eventually(
    async () => (await cluster.client(0).health()).leader ?? undefined,
    10_000,
    'a leader',
  );
  const index = Number(leader.replace('node-', ''));
  const survivor = [0, 1, 2].find((i) => i !== index)!;
  // Messages that expire in a second: only the expiry job (the leader's) takes them out of `size`.
  await cluster.client(survivor).call('PUT', '/queues/expiring', { queue: { message_expiration: 1 } });
  const killedAt = performance.now();
  await cluster.kill(index);
  await cluster.client(survivor).post('expiring', ['a', 'b', 'c']);
  const next = await eventually(
    async () => {
      const seen = (await cluster.client(survivor).health()).leader;
      return seen !== null && seen !== leader ? seen : undefined;
    },
    15_000,
    'a new leader',
  );
  const tookOver = performance.now() - killedAt;
  await eventually(
    async () =>
      ((await cluster.client(survivor).call('GET', '/queues/expiring')).body.queue as { size: number })
        .size === 0 || undefined,
    15_000,
    'the expiry job to run on the new leader',
  );
  process.stdout.write(`failover: ${leader} killed, ${next} leads after ${tookOver.toFixed(0)} ms\n`);
  expect(next).not.toBe(leader);
  await cluster.start(index);
});

test('kill -9 of a node under load: 0 acknowledged messages lost', async () => {
  const queue = 'under-load';
  await cluster.client(0).call('PUT', `/queues/${queue}`, { queue: { message_timeout: 1 } });
  const acknowledged = new Set<string>();
  const deleted = new Set<string>();
  let stop = false;
  let sequence = 0;
  const pick = () => {
    const alive = cluster.alive();
    return cluster.client(alive[Math.floor(Math.random() * alive.length)]!);
  };
  const producer = async () => {
    while (!stop) {
      const bodies = Array.from({ length: 5 }, () => `b${sequence++}`);
      try {
        await pick().post(queue, bodies);
        for (const body of bodies) acknowledged.add(body);
      } catch {
        // no answer (the node died): the post may or may not have landed; it is not counted
      }
    }
  };
  const consumer = async () => {
    while (!stop) {
      try {
        const client = pick();
        const messages = await client.reserve(queue, 5, { timeout: 1 });
        for (const m of messages)
          if ((await client.remove(queue, m.id, m.reservation_id)) === 200) deleted.add(m.body);
      } catch {
        // the node died mid-request: its reservations time out and come back
      }
    }
  };
  const load = [producer(), producer(), consumer(), consumer()];
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await cluster.kill(1);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  stop = true;
  await Promise.all(load);
  // Drain through the survivors; reservations held by clients of the dead node time out after 1 s.
  const drained = new Set<string>();
  const client = cluster.client(0);
  let empty = 0;
  while (empty < 3) {
    const messages = await client.reserve(queue, 100, { timeout: 30, wait: 1 });
    if (messages.length === 0) empty++;
    for (const m of messages) {
      drained.add(m.body);
      await client.remove(queue, m.id, m.reservation_id);
    }
  }
  const lost = [...acknowledged].filter((body) => !deleted.has(body) && !drained.has(body));
  process.stdout.write(
    `kill -9 under load: ${acknowledged.size} posts acknowledged, ${deleted.size} deleted during the load, ` +
      `${drained.size} drained after, ${lost.length} lost\n`,
  );
  expect(lost).toEqual([]);
  expect(acknowledged.size).toBeGreaterThan(0);
});
