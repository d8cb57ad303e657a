import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type Server,
  type Settings,
  api,
  checked,
  cycles,
  ferriteEnv,
  load,
  log,
  startServer,
} from '../harness';
import { cycleWorkload, queuePath } from '../ironmq';
import { memoryOf, startChild } from '../processes';
import type { DepthFigures } from '../report';
import { latencyOf, repeat } from '../stats';

/**
 * G9 and G6 on one data file with `depth` messages in the queue "deep" and 1,000 in "shallow", filled through
 * the store (durability off, for the fill only). G9: the server is started on it `reps` times; start-up is
 * timed from spawning the process to the first answered request; memory is read then, and after G6's load. G6: reserve latency at concurrency 1 and
 * cycle throughput on each queue; every cycle deletes what it reserved, so the depths stay as they are.
 */
export async function measureDeepQueue(settings: Settings, dataDir: string) {
  const dbFile = path.join(dataDir, 'deep.db');
  log(`G9: filling ${settings.depth.toLocaleString('en-US')} messages through the store (durability off)`);
  const fill = startChild('fill', { env: { BENCH_DB_FILE: dbFile } });
  await fill.ready;
  const filled = await fill.call<{ seconds: number }>('fill', { queue: 'deep', count: settings.depth });
  await fill.call('fill', { queue: 'shallow', count: 1000 });
  // Closing checkpoints the WAL into the file: a minute is plenty, and the process is killed after that.
  await fill.stop(60_000);
  log(`G9: filled in ${filled.seconds.toFixed(1)} s; starting the server on it ${settings.reps} times`);

  const starts: { seconds: number; rssBytes: number }[] = [];
  let server: Server | null = null;
  for (let rep = 0; rep < settings.reps; rep++) {
    if (server) await server.child.stop();
    const started = performance.now();
    server = await startServer('ferrite', ferriteEnv(dbFile), ['--expose-gc']);
    const { queue } = (await api(server.port, 'GET', queuePath('deep'))) as { queue: { size: number } };
    const seconds = (performance.now() - started) / 1000;
    if (queue.size !== settings.depth) throw new Error(`the deep queue holds ${queue.size} messages`);
    starts.push({ seconds, rssBytes: memoryOf(server.child.pid).rss });
  }
  const { child, port } = server!;

  log(`G6: reserve at ${settings.depth.toLocaleString('en-US')} vs 1,000 queued`);
  await cycles(port, 'shallow', 1, 16, settings.warmupSeconds);
  const reserveP99 = async (queue: string, n: number) => {
    const result = await load(port, {
      connections: 1,
      seconds: settings.latencySeconds,
      requests: cycleWorkload(queue, n),
    });
    return latencyOf(checked(result, `G6 ${queue} n=${n}`).byRequest[1]!.latencies).p99;
  };
  const g6 = await repeat(settings.reps, async () => {
    const figures = {} as Record<'shallow' | 'deep', DepthFigures>;
    for (const which of ['shallow', 'deep'] as const) {
      figures[which] = {
        reserve1P99Ms: await reserveP99(which, 1),
        reserve100P99Ms: await reserveP99(which, 100),
        cyclesPerSecond: await cycles(port, which, 1, 16, settings.seconds),
      };
    }
    return figures;
  });
  // VmHWM: the most the server held at any time, garbage included; then what it keeps after a full GC.
  const peakRssBytes = memoryOf(child.pid).peak;
  const afterLoad = await child.call<{ rss: number }>('gc');
  await child.stop();
  return { fillSeconds: filled.seconds, starts, g6, peakRssBytes, rssAfterLoadGcBytes: afterLoad.rss };
}
