import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Server, type Settings, api, cycles, ferriteEnv, fmtMb, log, startServer } from '../harness';
import { BODY, HEADERS, queuePath } from '../ironmq';
import { LongPollers } from '../long-poll';
import type { Machine } from '../machine';
import { memoryOf, startChild } from '../processes';
import { RawHttpConnection, buildRequest } from '../raw-http';
import { latencyOf, repeat } from '../stats';

interface MemoryAfterGc {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Client processes that hold the parked long polls between them (2,500 sockets each for 10,000). */
const CLIENT_PROCESSES = 4;

/** G8: the memory that 10,000 parked long polls cost, and how fast a post reaches one of 1,000 waiting. */
export async function measureLongPolls(settings: Settings, dataDir: string, machine: Machine) {
  // Every process may hold `ulimit -n` descriptors; the server needs one per connection plus its files.
  const target = Math.min(settings.pollers, Math.floor(machine.openFileLimit - 256));
  const note =
    target < settings.pollers
      ? ` (ulimit -n ${machine.openFileLimit} allows ${target})`
      : settings.quick
        ? ' (quick run: fewer)'
        : '';
  log(`G8: ${target.toLocaleString('en-US')} long polls${note}`);
  const server = await startServer('ferrite', ferriteEnv(path.join(dataDir, 'g8.db')), ['--expose-gc']);
  await api(server.port, 'PUT', queuePath('idle'), {});
  await api(server.port, 'PUT', queuePath('wake'), {});
  await cycles(server.port, 'warm', 1, 16, settings.warmupSeconds);
  const parked = await parkMany(server, target);
  const wake = await wakeLatency(server, settings);
  await server.child.stop();
  return { target, note, ...parked, wake };
}

async function waiting(server: Server): Promise<number> {
  return (await server.child.call<{ waiters: number }>('stats')).waiters;
}

/** Parks `target` reserves (wait 30) from client processes; RSS is read after a full GC before and after. */
async function parkMany(server: Server, target: number) {
  const rssBefore = memoryOf(server.child.pid).rss;
  const before = await server.child.call<MemoryAfterGc>('gc');
  const clients = Array.from({ length: CLIENT_PROCESSES }, () => startChild('pollers'));
  await Promise.all(clients.map((client) => client.ready));
  const started = performance.now();
  await Promise.all(
    clients.map((client, i) =>
      client.call('add', {
        port: server.port,
        queue: 'idle',
        wait: 30,
        count: Math.floor(target / CLIENT_PROCESSES) + (i < target % CLIENT_PROCESSES ? 1 : 0),
      }),
    ),
  );
  let parked = 0;
  // Until all are parked, or before the first of them times out (wait 30) however slowly the server parks them.
  for (const deadline = performance.now() + 25_000; performance.now() < deadline; await sleep(100)) {
    parked = await waiting(server);
    if (parked >= target) break;
  }
  const rampSeconds = (performance.now() - started) / 1000;
  const rssAfter = memoryOf(server.child.pid).rss;
  const after = await server.child.call<MemoryAfterGc>('gc');
  const clientStats = await Promise.all(
    clients.map((client) => client.call<Record<string, unknown>>('stats')),
  );
  await Promise.all(clients.map((client) => client.stop()));
  log(
    `G8: ${parked} parked after ${rampSeconds.toFixed(1)} s; RSS after GC ${fmtMb(before.rss)} → ` +
      `${fmtMb(after.rss)} (heap ${fmtMb(before.heapUsed)} → ${fmtMb(after.heapUsed)})`,
  );
  return {
    parked,
    rampSeconds,
    rssBefore,
    rssAfter,
    rssBeforeGc: before.rss,
    rssAfterGc: after.rss,
    heapGrowthBytes: after.heapUsed - before.heapUsed,
    externalGrowthBytes: after.external - before.external,
    clients: clientStats,
  };
}

/**
 * 1,000 reservers parked in this process, and posts of one message each on another connection: the time from
 * sending a post to a reserver receiving that message, read on one clock.
 */
async function wakeLatency(server: Server, settings: Settings) {
  const arrivals = new Map<string, (at: number) => void>();
  const TAG = 12;
  const waiters = new LongPollers(server.port, 'wake', 30, (bodies) => {
    const at = performance.now();
    for (const body of bodies) arrivals.get(body.slice(0, TAG))?.(at);
  });
  await waiters.add(1000);
  for (const deadline = performance.now() + 20_000; performance.now() < deadline; await sleep(50)) {
    if ((await waiting(server)) >= 1000) break;
  }
  const poster = await RawHttpConnection.connect(server.port);
  let sequence = 0;
  const runs = await repeat(settings.reps, async () => {
    const latencies: number[] = [];
    for (let i = 0; i < settings.wakeups; i++) {
      const tag = `wake-${String(sequence++).padStart(TAG - 5, '0')}`;
      const body = `${tag}${BODY}`.slice(0, BODY.length);
      const arrived = new Promise<number>((resolve) => arrivals.set(tag, resolve));
      const post = buildRequest(
        'POST',
        `${queuePath('wake')}/messages`,
        HEADERS,
        JSON.stringify({ messages: [{ body }] }),
      );
      const sent = performance.now();
      const answer = await poster.request(post);
      if (answer.status !== 201) throw new Error(`G8 post: HTTP ${answer.status} ${answer.body}`);
      const at = await Promise.race([arrived, sleep(5000).then(() => Number.NaN)]);
      arrivals.delete(tag);
      latencies.push(at - sent);
      // The woken reserver parks again before the next post, so that 1,000 are waiting each time.
      await sleep(2);
    }
    const lost = latencies.filter((ms) => !Number.isFinite(ms)).length;
    if (lost > 0) log(`G8: ${lost} posts reached no reserver within 5 s`);
    return { lost, ...latencyOf(latencies.map((ms) => (Number.isFinite(ms) ? ms : 5000))) };
  });
  poster.close();
  waiters.close();
  return runs;
}
