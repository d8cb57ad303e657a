import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import pg from 'pg';
import { BeanstalkConnection } from './beanstalk';
import { freePort, log } from './harness';
import { BODY } from './ironmq';
import { startProgram, stopProcess } from './processes';

/**
 * The peers of issue 13's table, driven the way a program would use each as a durable queue, one operation
 * per statement or command, on the same workloads as Ferrite: post 1 (S1), post 1 → reserve 1 → delete 1 (S2),
 * the same in batches of 100 (S3). Every peer is durable: PostgreSQL with fsync and synchronous_commit on,
 * Redis with appendfsync always, beanstalkd with -f0.
 */

/** Operations per second of `workers` loops running `step` until the time is up; `step` returns messages done. */
async function loops(workers: number, seconds: number, step: (worker: number) => Promise<number>) {
  let done = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < until) {
        // Not `done += await step()`: that reads `done` before the await and drops the other workers' counts.
        const finished = await step(worker);
        done += finished;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

// ---- PostgreSQL: a table queue with FOR UPDATE SKIP LOCKED ----

export async function postgresQueue(url: string, table: string) {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(
    `CREATE TABLE ${table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL,
       state smallint NOT NULL DEFAULT 0, reservation_id text, visible_at bigint NOT NULL DEFAULT 0)`,
  );
  await setup.query(`CREATE INDEX ${table}_available ON ${table} (id) WHERE state = 0`);
  await setup.end();
  const connect = async (count: number) => {
    const clients = Array.from({ length: count }, () => new pg.Client({ connectionString: url }));
    await Promise.all(clients.map((client) => client.connect()));
    return clients;
  };
  const close = (clients: pg.Client[]) => Promise.all(clients.map((client) => client.end()));
  let reservations = 0;
  return {
    /** S1: one INSERT per message. */
    async posts(workers: number, seconds: number) {
      const clients = await connect(workers);
      try {
        return await loops(workers, seconds, async (w) => {
          await clients[w]!.query(`INSERT INTO ${table} (body) VALUES ($1)`, [BODY]);
          return 1;
        });
      } finally {
        await close(clients);
      }
    },
    /** S2 (n = 1) and S3 (n = 100): INSERT n, reserve n with SKIP LOCKED, DELETE them by id and reservation. */
    async cycles(workers: number, n: number, seconds: number) {
      const clients = await connect(workers);
      const bodies = Array.from({ length: n }, () => BODY);
      try {
        return await loops(workers, seconds, async (w) => {
          const client = clients[w]!;
          await client.query(`INSERT INTO ${table} (body) SELECT unnest($1::text[])`, [bodies]);
          const reservation = `r${++reservations}`;
          const reserved = await client.query<{ id: string }>(
            `UPDATE ${table} SET state = 1, reservation_id = $1, visible_at = $2
              WHERE id IN (SELECT id FROM ${table} WHERE state = 0 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
              RETURNING id`,
            [reservation, Date.now() + 60_000, n],
          );
          const deleted = await client.query(
            `DELETE FROM ${table} WHERE id = ANY($1::bigint[]) AND reservation_id = $2`,
            [reserved.rows.map((r) => r.id), reservation],
          );
          return deleted.rowCount ?? 0;
        });
      } finally {
        await close(clients);
      }
    },
  };
}

// ---- Redis: the reliable-queue pattern, every write on disk before its answer ----

export interface RedisPeer {
  port: number;
  stop(): Promise<void>;
}

/** redis-server with `appendfsync always`, its append-only file in `dir`. */
export async function startRedis(binary: string, dir: string): Promise<RedisPeer> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const proc = startProgram(binary, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    path.resolve(dir),
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--protected-mode',
    'no',
  ]);
  for (let tries = 0; ; tries++) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    probe.on('error', () => {}); // refused while redis-server starts: the loop below retries
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch (error) {
      probe.disconnect();
      if (tries > 100 || proc.exitCode !== null) throw error;
      await sleep(20);
    }
  }
  return { port, stop: () => stopProcess(proc) };
}

/**
 * LPUSH onto the queue, LMOVE into a processing list (the reservation: the message survives a consumer's crash
 * there), LREM from it (the delete). Each message is unique so that LREM removes exactly it.
 */
export function redisQueue(port: number, queue: string) {
  let serial = 0;
  const clientsOf = (count: number) =>
    Array.from({ length: count }, () => new Redis({ port, host: '127.0.0.1', enableAutoPipelining: false }));
  const close = (clients: Redis[]) => clients.forEach((client) => client.disconnect());
  const message = () => `${++serial}:${BODY}`;
  return {
    async posts(workers: number, seconds: number) {
      const clients = clientsOf(workers);
      try {
        return await loops(workers, seconds, async (w) => {
          await clients[w]!.lpush(queue, message());
          return 1;
        });
      } finally {
        close(clients);
      }
    },
    async cycles(workers: number, n: number, seconds: number) {
      const clients = clientsOf(workers);
      try {
        return await loops(workers, seconds, async (w) => {
          const client = clients[w]!;
          const processing = `${queue}:processing:${w}`;
          await client.lpush(queue, ...Array.from({ length: n }, message));
          const moves = client.pipeline();
          for (let i = 0; i < n; i++) moves.lmove(queue, processing, 'RIGHT', 'LEFT');
          const moved = ((await moves.exec()) ?? []).map(([, value]) => value as string | null);
          const removes = client.pipeline();
          for (const value of moved) if (value !== null) removes.lrem(processing, 1, value);
          const removed = (await removes.exec()) ?? [];
          return removed.filter(([, count]) => count === 1).length;
        });
      } finally {
        close(clients);
      }
    },
  };
}

// ---- beanstalkd -f0 ----

export async function beanstalkPosts(port: number, workers: number, seconds: number): Promise<number> {
  const connections = await Promise.all(
    Array.from({ length: workers }, () => BeanstalkConnection.connect(port)),
  );
  const body = Buffer.from(BODY);
  try {
    return await loops(workers, seconds, async (w) => {
      await connections[w]!.put(body);
      return 1;
    });
  } finally {
    for (const connection of connections) connection.close();
  }
}

export function logPeer(what: string): void {
  log(`peers: ${what}`);
}
