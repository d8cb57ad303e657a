import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { PROJECT, TOKEN } from './dist';
import { HEADERS, cycleWorkload } from './ironmq';
import { type LoadOptions, type LoadResult, runLoad } from './load';
import { type Child, startChild } from './processes';

/** How long and how often each measurement runs (run.ts has the full and the quick set). */
export interface Settings {
  quick: boolean;
  /** Repetitions of every measurement; the table shows their median. */
  reps: number;
  /** Length of one throughput measurement. */
  seconds: number;
  /** Length of one concurrency-1 latency measurement. */
  latencySeconds: number;
  warmupSeconds: number;
  fsyncSeconds: number;
  profileSeconds: number;
  /** Messages queued for G6 and G9. */
  depth: number;
  /** Long-polling reservers for G8. */
  pollers: number;
  /** Posts timed against 1,000 waiting reservers (G8), per repetition. */
  wakeups: number;
}

/** Progress on stderr (the table goes to stdout), with the seconds since the bench started. */
export const log = (message: string) =>
  process.stderr.write(`  ${(performance.now() / 1000).toFixed(0).padStart(4)} s  ${message}\n`);

export const fmtMb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** Answers per second to the request at `index` of the sequence (2xx only). */
export const perSecond = (result: LoadResult, index = 0) =>
  (result.byRequest[index]?.ok ?? 0) / result.seconds;

/** Reports failed requests (they are left out of every figure) and passes the result on. */
export function checked(result: LoadResult, what: string): LoadResult {
  if (result.failures > 0) log(`${what}: ${result.failures} failed requests (first: ${result.firstFailure})`);
  return result;
}

export interface Server {
  child: Child;
  port: number;
}

/** node-cron warns on stderr each time a saturated server runs a job late; those lines are only counted. */
const CRON_WARNING = /NODE-CRON/;
let cronWarnings = 0;

/** node-cron's late-job warnings of every server stopped so far. */
export const cronWarningCount = () => cronWarnings;

export async function startServer(
  name: 'node-http' | 'express-app' | 'ferrite',
  env: NodeJS.ProcessEnv = {},
  execArgv: string[] = [],
): Promise<Server> {
  const child = startChild(name, { env, execArgv, quiet: CRON_WARNING });
  void child.exited.then(() => (cronWarnings += child.suppressed));
  const { port } = await child.ready;
  return { child, port: port as number };
}

/** The environment of a Ferrite server on `dbFile`, at full durability, with the bench project and token. */
export function ferriteEnv(dbFile: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    FERRITE_PORT: '0',
    FERRITE_RESP_PORT: '0',
    FERRITE_HOST: '127.0.0.1',
    FERRITE_DB_FILE: dbFile,
    FERRITE_DURABILITY: 'full',
    FERRITE_PROJECT_ID: PROJECT,
    FERRITE_TOKEN: TOKEN,
    FERRITE_LOG_LEVEL: 'error',
    // G8 holds 10,000 connections, each with a parked reserve; the defaults cap both far lower.
    FERRITE_MAX_CONNECTIONS: '20000',
    FERRITE_MAX_LONG_POLLS: '20000',
    ...extra,
  };
}

/** One API call for set-up (create a queue, read its size); throws on a non-2xx answer. */
export async function api(port: number, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

/** A load run against `port` with the IronMQ headers. */
export function load(port: number, options: Omit<LoadOptions, 'port' | 'headers'>): Promise<LoadResult> {
  return runLoad({ ...options, port, headers: HEADERS });
}

/** Messages per second through post n → reserve n → delete n on `connections` connections. */
export async function cycles(
  port: number,
  queue: string,
  n: number,
  connections: number,
  seconds: number,
): Promise<number> {
  let messages = 0;
  const result = checked(
    await load(port, {
      connections,
      seconds,
      requests: cycleWorkload(queue, n, (count) => (messages += count)),
    }),
    `cycle ${n} on ${queue}`,
  );
  return messages / result.seconds;
}

/** A port nothing listens on now (for beanstalkd, which cannot pick one itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
