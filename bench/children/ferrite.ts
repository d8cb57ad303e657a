import { statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { dist } from '../lib/dist';
import { announceReady, serveParent, str } from '../lib/parent';

/**
 * The server under test: what dist/main.js does (loadConfig from the environment, startFerrite with the system
 * clock), plus an IPC channel for the figures only the process itself knows: parked long polls, and with
 * BENCH_COUNT_COMMITS=1, how many group commits ran and how long COMMIT (the WAL write and its fsync) took.
 */
interface CommitCounts {
  groups: number;
  writes: number;
  flushMs: number;
  commitMs: number;
  /** The longest group (all its writes and the COMMIT), and the longest COMMIT alone. */
  maxFlushMs: number;
  maxCommitMs: number;
}

/** The group committer's private parts, reached at run time for the counters only (never in measured runs). */
interface CommitterInternals {
  pending: unknown[];
  flush(): void;
  commit: { run(...args: unknown[]): unknown };
}

function countCommits(store: object): CommitCounts {
  const counts: CommitCounts = {
    groups: 0,
    writes: 0,
    flushMs: 0,
    commitMs: 0,
    maxFlushMs: 0,
    maxCommitMs: 0,
  };
  const committer = (store as { writes: CommitterInternals }).writes;
  const flush = committer.flush.bind(committer);
  committer.flush = function benchTimedFlush() {
    const writes = committer.pending.length;
    const started = performance.now();
    flush();
    const ms = performance.now() - started;
    counts.flushMs += ms;
    counts.maxFlushMs = Math.max(counts.maxFlushMs, ms);
    if (writes > 0) counts.groups++;
    counts.writes += writes;
  };
  const commit = committer.commit.run.bind(committer.commit);
  // Named so that the CPU profile can tell COMMIT (WAL write + fsync) from the other statements.
  committer.commit.run = function benchTimedCommit(...args: unknown[]) {
    const started = performance.now();
    try {
      return commit(...args);
    } finally {
      const ms = performance.now() - started;
      counts.commitMs += ms;
      counts.maxCommitMs = Math.max(counts.maxCommitMs, ms);
    }
  };
  return counts;
}

/** The V8 CPU profiler over exactly the measured window (--cpu-prof would also take in start-up and warm-up). */
const profiler = {
  session: null as Session | null,
  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    // 0.5 ms: enough samples in a few seconds, little enough overhead to keep the load's shape.
    await this.session.post('Profiler.setSamplingInterval', { interval: 500 });
    await this.session.post('Profiler.start');
  },
  async stop(file: string): Promise<void> {
    if (!this.session) throw new Error('the profiler is not running');
    const { profile } = await this.session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    this.session.disconnect();
    this.session = null;
  },
};

/** The size of the data file's WAL: it must stay bounded under sustained load (checkpoints keep up). */
function walSize(dbFile: string): number {
  try {
    return statSync(`${dbFile}-wal`).size;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const config = dist.config().loadConfig(process.env);
  const log = dist.log().createLogger(config.logLevel);
  const ferrite = await dist.server().startFerrite(config, { clock: dist.clock().systemClock, log });
  const commits = process.env.BENCH_COUNT_COMMITS === '1' ? countCommits(ferrite.store) : null;
  serveParent(
    {
      profileStart: () => profiler.start(),
      profileStop: (args) => profiler.stop(str(args, 'file')),
      /** RSS after a full collection (the process runs with --expose-gc), so garbage is not counted as use. */
      gc: () => {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (!gc) throw new Error('start the server with --expose-gc');
        gc();
        const { rss, heapUsed, external } = process.memoryUsage();
        return { rss, heapUsed, external };
      },
      stats: () => ({
        rss: process.memoryUsage().rss,
        walBytes: walSize(config.dbFile),
        waiters: ferrite.engine.wakeups.parked,
        commits: commits ? { ...commits } : null,
        // PostgreSQL: how many batches committed how many fast-path operations (batch.ts).
        batches: (ferrite.store as { batch?: { stats: unknown } }).batch?.stats ?? null,
      }),
    },
    () => ferrite.close(),
  );
  announceReady({ port: ferrite.port });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench ferrite: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
