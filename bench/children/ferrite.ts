import { statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dist } from '../lib/dist';
import { announceReady, serveParent, str } from '../lib/parent';

/**
 * The server under test: what dist/main.js does (loadConfig from the environment, startFerrite with the system
 * clock), plus an IPC channel for the figures only the process itself knows: parked long polls, its CPU time,
 * its event-loop delay, and the store's group-commit counters (how many commits, how long COMMIT took).
 */
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

/** 1 ms resolution: the goal (S5) is a p99 of 2 ms. */
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

async function main(): Promise<void> {
  const config = dist.config().loadConfig(process.env);
  const log = dist.log().createLogger(config.logLevel);
  const ferrite = await dist.server().startFerrite(config, { clock: dist.clock().systemClock, log });
  serveParent(
    {
      profileStart: () => profiler.start(),
      /** This process's CPU time so far (all threads), µs: per-request CPU is a difference of two readings. */
      cpuUsage: () => process.cpuUsage(),
      /** Event-loop delay (perf_hooks), from loopDelayStart to loopDelayStop: p50, p99, max in ms. */
      loopDelayStart: () => {
        loopDelay.reset();
        loopDelay.enable();
      },
      loopDelayStop: () => {
        loopDelay.disable();
        return {
          p50Ms: loopDelay.percentile(50) / 1e6,
          p99Ms: loopDelay.percentile(99) / 1e6,
          maxMs: loopDelay.max / 1e6,
        };
      },
      profileStop: (args) => profiler.stop(str(args, 'file')),
      /** RSS after a full collection (the process runs with --expose-gc), so garbage is not counted as use. */
      gc: () => {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (!gc) throw new Error('start the server with --expose-gc');
        gc();
        const { rss, heapUsed, external } = process.memoryUsage();
        return { rss, heapUsed, external };
      },
      stats: async () => ({
        rss: process.memoryUsage().rss,
        walBytes: walSize(config.dbFile),
        waiters: ferrite.engine.wakeups.parked,
        commits: (await ferrite.store.stats()).commits ?? null,
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
