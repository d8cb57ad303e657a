// Push throughput to a local receiver that answers 200 at once, against the built server (dist/) on a temp
// SQLite file with the default durability (synchronous=FULL). Two measures:
//   c=1     one message at a time: POST it, wait until its delivery is recorded (push:completed), next one;
//   queued  100 messages posted in one request, timed until all 100 deliveries are recorded; repeated.
// The receiver runs in a worker thread so it does not share the server's event loop.
// Usage: npm run build && node bench/push-throughput.mjs [c1Count=500] [rounds=20]
// Env: FERRITE_PUSH_CONCURRENCY / FERRITE_PUSH_QUEUE_CONCURRENCY are passed through (defaults 32 / 8).
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { startFerrite } = require('../dist/server.js');
const { loadConfig } = require('../dist/config/config.js');
const { systemClock } = require('../dist/engine/clock.js');
const { createLogger } = require('../dist/log.js');

const c1Count = Number(process.argv[2] ?? 500);
const rounds = Number(process.argv[3] ?? 20);
const BATCH = 100;

/** A receiver in its own thread: answers every request 200 with an empty body, keep-alive. */
function startReceiver() {
  const worker = new Worker(
    `const http = require('node:http');
     const { parentPort } = require('node:worker_threads');
     const server = http.createServer((req, res) => {
       req.resume();
       req.on('end', () => { res.writeHead(200, { 'Content-Length': '0' }); res.end(); });
     });
     server.keepAliveTimeout = 60000;
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
     parentPort.on('message', () => server.close(() => process.exit(0)));`,
    { eval: true },
  );
  return new Promise((resolve) => worker.once('message', (port) => resolve({ port, worker })));
}

const receiver = await startReceiver();
const dir = mkdtempSync(path.join(tmpdir(), 'ferrite-push-bench-'));
const project = 'be0c0ffee0ddba11ca7e0002';
const token = 'bench-token-0123456789';
const env = {
  FERRITE_PORT: '0',
  FERRITE_HOST: '127.0.0.1',
  FERRITE_DB_FILE: path.join(dir, 'f.db'),
  FERRITE_PROJECT_ID: project,
  FERRITE_TOKEN: token,
  FERRITE_PUSH_ALLOW_PRIVATE: 'true',
};
for (const key of ['FERRITE_PUSH_CONCURRENCY', 'FERRITE_PUSH_QUEUE_CONCURRENCY', 'FERRITE_DURABILITY']) {
  if (process.env[key]) env[key] = process.env[key];
}
const config = loadConfig(env);
const ferrite = await startFerrite(config, { clock: systemClock, log: createLogger('error', true) });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, p, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: ferrite.port,
        method,
        path: `/3/projects/${project}/queues/${p}`,
        agent,
        headers: { Authorization: `OAuth ${token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () =>
          res.statusCode < 300 ? resolve(JSON.parse(data)) : reject(new Error(`${res.statusCode} ${data}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Push completions by message id. A delivery can be recorded before the post's response is read, so completed
 * ids are remembered and a waiter registered afterwards resolves at once.
 */
const completed = new Set();
const waiting = new Map();
ferrite.engine.events.on('push:completed', (event) => {
  completed.add(event.messageId);
  waiting.get(event.messageId)?.();
});
ferrite.engine.events.on('push:failed', (event) => {
  console.error('push failed', event);
  process.exitCode = 1;
});
const completion = (id) =>
  completed.has(id) ? Promise.resolve() : new Promise((resolve) => waiting.set(id, resolve));

/** Posts `count` messages in one request and waits until every one of them has been delivered. */
async function postBatch(count) {
  const body = 'x'.repeat(64);
  const res = await call('POST', 'bench-push/messages', {
    messages: Array.from({ length: count }, () => ({ body })),
  });
  await Promise.all(res.ids.map(completion));
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

await call('PUT', 'bench-push', {
  queue: {
    type: 'multicast',
    push: { subscribers: [{ name: 'r', url: `http://127.0.0.1:${receiver.port}/` }] },
  },
});

// Warm-up: connections to the receiver, prepared statements, JIT.
for (let i = 0; i < 50; i++) await postBatch(1);
await postBatch(BATCH);

const latencies = [];
const c1Start = performance.now();
for (let i = 0; i < c1Count; i++) {
  const t = performance.now();
  await postBatch(1);
  latencies.push(performance.now() - t);
}
const c1Seconds = (performance.now() - c1Start) / 1000;
latencies.sort((a, b) => a - b);

const roundTimes = [];
const queuedStart = performance.now();
for (let r = 0; r < rounds; r++) {
  const t = performance.now();
  await postBatch(BATCH);
  roundTimes.push(performance.now() - t);
}
const queuedSeconds = (performance.now() - queuedStart) / 1000;
roundTimes.sort((a, b) => a - b);

const info = await call('GET', 'bench-push');
const result = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  settings: {
    durability: config.durability,
    pushConcurrency: config.pushConcurrency,
    pushQueueConcurrency: config.pushQueueConcurrency,
  },
  c1: {
    messages: c1Count,
    perSecond: Math.round(c1Count / c1Seconds),
    latencyMs: { p50: +pct(latencies, 50).toFixed(2), p99: +pct(latencies, 99).toFixed(2) },
  },
  queued100: {
    rounds,
    perSecond: Math.round((rounds * BATCH) / queuedSeconds),
    roundMs: { p50: +pct(roundTimes, 50).toFixed(1), max: +roundTimes[roundTimes.length - 1].toFixed(1) },
  },
  queueAfter: { size: info.queue.size, total_messages: info.queue.total_messages },
};
console.log(JSON.stringify(result, null, 2));

agent.destroy();
await ferrite.close();
receiver.worker.postMessage('stop');
rmSync(dir, { recursive: true, force: true });
