import path from 'node:path';
import { type Settings, checked, load, log, perSecond, startServer } from '../harness';
import { postWorkload } from '../ironmq';
import { startChild } from '../processes';
import { latencyOf, repeat } from '../stats';

interface SyncLoop {
  syncs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * What the goals are divided by, each measured in its own process: the durability floor (write + fsync in the
 * data directory), the request ceilings of bare node:http and of a minimal Express app, and the store's own
 * post → reserve → delete loop.
 */
export async function measureReferences(settings: Settings, dataDir: string) {
  const { reps, seconds } = settings;

  log('durability floor: write + fsync');
  const fsync = startChild('fsync-loop', { env: { BENCH_DIR: dataDir } });
  await fsync.ready;
  const syncs = await repeat(reps, () =>
    fsync.call<{ fsync: SyncLoop; fdatasync: SyncLoop }>('run', { seconds: settings.fsyncSeconds }),
  );
  await fsync.stop();

  log('request ceiling: bare node:http');
  const nodeHttp = await startServer('node-http');
  const nodeHttpRuns = await ceiling(nodeHttp.port, settings);
  await nodeHttp.child.stop();

  log('request ceiling: minimal Express');
  const express = await startServer('express-app');
  const expressRuns = await ceiling(express.port, settings);
  const expressC1 = await repeat(reps, async () => {
    const result = await load(express.port, {
      connections: 1,
      seconds: settings.latencySeconds,
      requests: postWorkload('c1', 1),
    });
    return latencyOf(checked(result, 'Express c=1').byRequest[0]!.latencies);
  });
  await express.child.stop();

  log('store ceiling: post → reserve → delete in-process');
  const store = startChild('store-loop', { env: { BENCH_DB_FILE: path.join(dataDir, 'store.db') } });
  await store.ready;
  type Cycle = { messages: number; seconds: number };
  const storeRuns = await repeat(reps, async (rep) => ({
    n100: await store.call<Cycle>('cycle', { queue: `s100-${rep}`, n: 100, loops: 4, seconds }),
    n1: await store.call<Cycle>('cycle', { queue: `s1-${rep}`, n: 1, loops: 16, seconds }),
  }));
  await store.stop();

  return { syncs, nodeHttp: nodeHttpRuns, express: { c64: expressRuns, c1: expressC1 }, store: storeRuns };
}

/** A request ceiling: 64 connections posting one message per request, after a warm-up. Returns req/s per rep. */
async function ceiling(port: number, settings: Settings): Promise<number[]> {
  await load(port, { connections: 64, seconds: settings.warmupSeconds, requests: postWorkload('warm', 1) });
  return repeat(settings.reps, async () => {
    const result = await load(port, {
      connections: 64,
      seconds: settings.seconds,
      requests: postWorkload('c', 1),
    });
    return perSecond(checked(result, 'ceiling'));
  });
}
