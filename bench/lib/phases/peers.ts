import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { BeanstalkConnection, beanstalkCycles } from '../beanstalk';
import {
  type Settings,
  checked,
  cycles,
  ferriteEnv,
  freePort,
  load,
  log,
  perSecond,
  startServer,
} from '../harness';
import { BODY, postWorkload } from '../ironmq';
import { beanstalkdPath, redisServerPath } from '../machine';
import { beanstalkPosts, postgresQueue, redisQueue, startRedis } from '../peers';
import { PostgresServer } from '../postgres-server';
import { startProgram, stopProcess } from '../processes';
import { median, repeat } from '../stats';

/** One peer's figures on S1–S3, or why it was not measured. */
export interface PeerFigures {
  /** S1: messages posted per second, one per request, 16 connections. */
  posts: number | null;
  /** S2: cycles per second, post 1 → reserve 1 → delete 1, 16 workers. */
  cycle1: number | null;
  /** S3: messages per second, the same in batches of 100, 4 workers. */
  cycle100: number | null;
  note?: string;
}

export interface PeersResult {
  ferrite: PeerFigures & {
    /** S4: server CPU time (all its threads) per request under S1's load, µs. */
    cpuUsPerRequest: number;
    /** S5: the event loop's delay under S2's load, ms. */
    loopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
  };
  /** S4's reference: the minimal Express app's CPU per request under the same load. */
  expressCpuUsPerRequest: number;
  postgres: PeerFigures;
  redis: PeerFigures;
  beanstalkd: PeerFigures;
}

const S1_CONNECTIONS = 16;
const S2_WORKERS = 16;
const S3_WORKERS = 4;

type CpuUsage = { user: number; system: number };
const cpuUs = (usage: CpuUsage) => usage.user + usage.system;

/**
 * Issue 13's table: Ferrite and its peers on the same three workloads, one after another in this run, so every
 * ratio compares figures of the same machine and minute. Ferrite also reports its CPU per request (S4, against
 * the minimal Express app's) and its event-loop delay (S5).
 */
export async function measurePeers(settings: Settings, dataDir: string): Promise<PeersResult> {
  const { reps, seconds } = settings;
  const ferrite = await measureFerrite(settings, dataDir);
  const expressCpuUsPerRequest = await measureExpressCpu(settings);

  log('peers: PostgreSQL (a table queue with FOR UPDATE SKIP LOCKED, pg, one statement per operation)');
  const server = await PostgresServer.start({ settings: { max_connections: '100' } });
  let postgres: PeerFigures;
  try {
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE peers');
    await admin.end();
    const queue = (name: string) => postgresQueue(server.url('peers'), name);
    postgres = {
      posts: median(await repeat(reps, async (r) => (await queue(`s1_${r}`)).posts(S1_CONNECTIONS, seconds))),
      cycle1: median(
        await repeat(reps, async (r) => (await queue(`s2_${r}`)).cycles(S2_WORKERS, 1, seconds)),
      ),
      cycle100: median(
        await repeat(reps, async (r) => (await queue(`s3_${r}`)).cycles(S3_WORKERS, 100, seconds)),
      ),
    };
  } finally {
    await server.stop();
  }

  const redisBinary = redisServerPath();
  let redis: PeerFigures = {
    posts: null,
    cycle1: null,
    cycle100: null,
    note: 'skipped (apt-get install redis-server)',
  };
  if (redisBinary) {
    log('peers: Redis with appendfsync always (LPUSH, LMOVE, LREM)');
    const peer = await startRedis(redisBinary, path.join(dataDir, 'redis'));
    try {
      redis = {
        posts: median(
          await repeat(reps, (r) => redisQueue(peer.port, `s1-${r}`).posts(S1_CONNECTIONS, seconds)),
        ),
        cycle1: median(
          await repeat(reps, (r) => redisQueue(peer.port, `s2-${r}`).cycles(S2_WORKERS, 1, seconds)),
        ),
        cycle100: median(
          await repeat(reps, (r) => redisQueue(peer.port, `s3-${r}`).cycles(S3_WORKERS, 100, seconds)),
        ),
      };
    } finally {
      await peer.stop();
    }
  }

  const beanstalkd = await measureBeanstalkd(settings, dataDir);
  return { ferrite, expressCpuUsPerRequest, postgres, redis, beanstalkd };
}

async function measureFerrite(settings: Settings, dataDir: string): Promise<PeersResult['ferrite']> {
  const { reps, seconds } = settings;
  log('peers: Ferrite on S1–S3, with its CPU per request and its event-loop delay');
  const { child, port } = await startServer('ferrite', ferriteEnv(path.join(dataDir, 'peers.db')));
  try {
    await load(port, {
      connections: S1_CONNECTIONS,
      seconds: settings.warmupSeconds,
      requests: postWorkload('warm', 1),
    });
    const s1 = await repeat(reps, async (rep) => {
      const before = await child.call<CpuUsage>('cpuUsage');
      const result = checked(
        await load(port, { connections: S1_CONNECTIONS, seconds, requests: postWorkload(`s1-${rep}`, 1) }),
        `s1-${rep}`,
      );
      const after = await child.call<CpuUsage>('cpuUsage');
      const answered = result.byRequest[0]?.ok ?? 0;
      return { perSecond: perSecond(result), cpuUsPerRequest: (cpuUs(after) - cpuUs(before)) / answered };
    });
    const s2 = await repeat(reps, async (rep) => {
      await child.call('loopDelayStart');
      const perSecondCycles = await cycles(port, `s2-${rep}`, 1, S2_WORKERS, seconds);
      const delay = await child.call<{ p50Ms: number; p99Ms: number; maxMs: number }>('loopDelayStop');
      return { perSecond: perSecondCycles, delay };
    });
    const s3 = await repeat(reps, (rep) => cycles(port, `s3-${rep}`, 100, S3_WORKERS, seconds));
    return {
      posts: median(s1.map((r) => r.perSecond)),
      cycle1: median(s2.map((r) => r.perSecond)),
      cycle100: median(s3),
      cpuUsPerRequest: median(s1.map((r) => r.cpuUsPerRequest)),
      loopDelay: {
        p50Ms: median(s2.map((r) => r.delay.p50Ms)),
        p99Ms: median(s2.map((r) => r.delay.p99Ms)),
        maxMs: median(s2.map((r) => r.delay.maxMs)),
      },
    };
  } finally {
    await child.stop();
  }
}

/** S4's reference: the minimal Express app (bench/children/express-app.ts) under S1's load. */
async function measureExpressCpu(settings: Settings): Promise<number> {
  const { child, port } = await startServer('express-app');
  try {
    await load(port, {
      connections: S1_CONNECTIONS,
      seconds: settings.warmupSeconds,
      requests: postWorkload('warm', 1),
    });
    const runs = await repeat(settings.reps, async (rep) => {
      const before = await child.call<CpuUsage>('cpuUsage');
      const result = await load(port, {
        connections: S1_CONNECTIONS,
        seconds: settings.seconds,
        requests: postWorkload(`s4-${rep}`, 1),
      });
      const after = await child.call<CpuUsage>('cpuUsage');
      return (cpuUs(after) - cpuUs(before)) / (result.byRequest[0]?.ok ?? 1);
    });
    return median(runs);
  } finally {
    await child.stop();
  }
}

async function measureBeanstalkd(settings: Settings, dataDir: string): Promise<PeerFigures> {
  const binary = beanstalkdPath();
  if (!binary)
    return { posts: null, cycle1: null, cycle100: null, note: 'skipped (apt-get install beanstalkd)' };
  log('peers: beanstalkd -f0 (put, reserve, delete)');
  const binlog = path.join(dataDir, 'beanstalkd-peers');
  mkdirSync(binlog);
  const port = await freePort();
  const program = startProgram(binary, ['-l', '127.0.0.1', '-p', String(port), '-b', binlog, '-f0']);
  try {
    for (let tries = 0; ; tries++) {
      try {
        (await BeanstalkConnection.connect(port)).close();
        break;
      } catch (error) {
        if (tries > 100 || program.exitCode !== null) throw error;
        await sleep(20);
      }
    }
    const body = Buffer.from(BODY);
    return {
      posts: median(
        await repeat(settings.reps, () => beanstalkPosts(port, S1_CONNECTIONS, settings.seconds)),
      ),
      cycle1: median(
        await repeat(
          settings.reps,
          async () => (await beanstalkCycles(port, S2_WORKERS, settings.seconds, body)).perSecond,
        ),
      ),
      // beanstalkd has no batch commands: one command per message is its batch.
      cycle100: null,
      note: 'no batch commands',
    };
  } finally {
    await stopProcess(program);
  }
}
