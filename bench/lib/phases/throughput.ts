import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Settings, checked, cycles, ferriteEnv, load, log, perSecond, startServer } from '../harness';
import type autocannon from 'autocannon';
import { postWorkload } from '../ironmq';
import { memoryOf, startChild } from '../processes';
import { summarizeProfile } from '../profile';
import { latencyOf, repeat } from '../stats';

/** G1–G5 and G7, one after the other on one server (each on queues of its own). */
export async function measureThroughput(
  settings: Settings,
  dataDir: string,
  /** More environment for the server: FERRITE_DATABASE_URL runs the same goals on PostgreSQL. */
  extraEnv: NodeJS.ProcessEnv = {},
) {
  const { reps, seconds } = settings;
  log(`Ferrite${extraEnv.FERRITE_DATABASE_URL ? ' on PostgreSQL' : ''}: G1, G2, G3, G7, G4, G5`);
  const dbFile = path.join(dataDir, 'ferrite.db');
  const { child, port } = await startServer('ferrite', ferriteEnv(dbFile, extraEnv));
  // The WAL must stay bounded under sustained load: its size is sampled from outside, at no cost to the server.
  let walMaxBytes = 0;
  const walSampler = setInterval(() => {
    try {
      walMaxBytes = Math.max(walMaxBytes, statSync(`${dbFile}-wal`).size);
    } catch {
      // not created yet
    }
  }, 100);
  await load(port, { connections: 64, seconds: settings.warmupSeconds, requests: postWorkload('warm', 1) });

  /** Posts of `perRequest` messages on `connections` connections: req/s, msg/s and latencies. */
  const postsOnce = async (queue: string, connections: number, perRequest: number, duration: number) => {
    const result = await load(port, {
      connections,
      seconds: duration,
      requests: postWorkload(queue, perRequest),
    });
    checked(result, queue);
    return {
      perSecond: perSecond(result),
      messagesPerSecond: perSecond(result) * perRequest,
      ...latencyOf(result.byRequest[0]!.latencies),
    };
  };
  const posts = (goal: string, connections: number, perRequest: number, duration: number) =>
    repeat(reps, (rep) => postsOnce(`${goal}-${rep}`, connections, perRequest, duration));
  const g1 = await posts('g1', 64, 1, seconds);
  // G2 is one COMMIT per request: the fsync floor is measured again right before each repetition, because other
  // processes' writes to the same disk can make every sync several times slower than at the start of the run.
  const floor = startChild('fsync-loop', { env: { BENCH_DIR: dataDir } });
  await floor.ready;
  const g2 = await repeat(reps, async (rep) => {
    const fsync = await floor.call<{ p50Ms: number }>('fsync', {
      seconds: Math.min(1, settings.latencySeconds),
    });
    const result = await postsOnce(`g2-${rep}`, 1, 1, settings.latencySeconds);
    return { ...result, fsyncP50Ms: fsync.p50Ms };
  });
  await floor.stop();
  const g3 = await posts('g3', 16, 100, seconds);
  const g7 = await posts('g7', 64, 100, seconds);
  const g4 = await repeat(reps, (rep) => cycles(port, `g4-${rep}`, 100, 4, seconds));
  const g5 = await repeat(reps, (rep) => cycles(port, `g5-${rep}`, 1, 16, seconds));
  clearInterval(walSampler);
  const memory = memoryOf(child.pid);
  const { batches } = await child.call<{ batches: unknown }>('stats', {});
  await child.stop();
  return { g1, g2, g3, g7, g4, g5, memory, walMaxBytes, batches };
}

export interface CommitCounts {
  groups: number;
  writes: number;
  flushMs: number;
  commitMs: number;
  maxFlushMs: number;
  maxCommitMs: number;
}

/**
 * One goal's load once more (`connections` connections playing `requests`), on a fresh server with the V8 CPU
 * profiler running over the measured window only and group commits counted. The profile is written to
 * `profileFile` and summarized by category.
 */
export async function profileLoad(
  settings: Settings,
  dataDir: string,
  profileFile: string,
  goal: string,
  connections: number,
  requests: (queue: string) => autocannon.Request[],
) {
  log(`Ferrite under the ${goal} load with the CPU profiler (${settings.profileSeconds} s)`);
  const { child, port } = await startServer('ferrite', ferriteEnv(path.join(dataDir, `profile-${goal}.db`)));
  await load(port, { connections, seconds: settings.warmupSeconds, requests: requests('warm') });
  mkdirSync(path.dirname(profileFile), { recursive: true });
  const before = await child.call<{ commits: CommitCounts }>('stats');
  await child.call('profileStart');
  const result = await load(port, {
    connections,
    seconds: settings.profileSeconds,
    requests: requests('profiled'),
  });
  await child.call('profileStop', { file: profileFile });
  const after = await child.call<{ commits: CommitCounts }>('stats');
  await child.stop();
  const commits: CommitCounts = {
    groups: after.commits.groups - before.commits.groups,
    writes: after.commits.writes - before.commits.writes,
    flushMs: after.commits.flushMs - before.commits.flushMs,
    commitMs: after.commits.commitMs - before.commits.commitMs,
    // Maxima since start: the warm-up's are included.
    maxFlushMs: after.commits.maxFlushMs,
    maxCommitMs: after.commits.maxCommitMs,
  };
  return {
    file: profileFile,
    seconds: settings.profileSeconds,
    /** Requests answered while the profiler ran. */
    requests: result.byRequest.reduce((sum, r) => sum + r.ok, 0),
    commits,
    summary: summarizeProfile(profileFile),
  };
}
