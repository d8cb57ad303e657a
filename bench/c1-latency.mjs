// Latency of post, reserve and delete at concurrency 1 over HTTP keep-alive, against the built server
// (dist/) on a temp SQLite file with synchronous=FULL. Usage: npm run build && node bench/c1-latency.mjs [count]
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { startFerrite } = require('../dist/server.js');
const { loadConfig } = require('../dist/config/config.js');
const { systemClock } = require('../dist/engine/clock.js');
const { createLogger } = require('../dist/log.js');

const count = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(path.join(tmpdir(), 'ferrite-bench-'));
const project = 'be0c0ffee0ddba11ca7e0001';
const token = 'bench-token-0123456789';
const ferrite = await startFerrite(
  loadConfig({
    FERRITE_PORT: '0',
    FERRITE_HOST: '127.0.0.1',
    FERRITE_DB_FILE: path.join(dir, 'f.db'),
    FERRITE_PROJECT_ID: project,
    FERRITE_TOKEN: token,
  }),
  { clock: systemClock, log: createLogger('error', true) },
);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, p, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: ferrite.port,
        method,
        path: `/3/projects/${project}/queues/bench${p}`,
        agent,
        headers: { Authorization: `OAuth ${token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve(JSON.parse(data)));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const times = { post: [], reserve: [], delete: [] };
const body = 'x'.repeat(64);
for (let i = 0; i < 200; i++) await call('POST', '/messages', { messages: [{ body }] }); // warm-up
await call('DELETE', '/messages', {});
for (let i = 0; i < count; i++) {
  let t = performance.now();
  await call('POST', '/messages', { messages: [{ body }] });
  times.post.push(performance.now() - t);
  t = performance.now();
  const { messages } = await call('POST', '/reservations', { n: 1 });
  times.reserve.push(performance.now() - t);
  t = performance.now();
  await call('DELETE', `/messages/${messages[0].id}`, { reservation_id: messages[0].reservation_id });
  times.delete.push(performance.now() - t);
}
console.log(`c=1, ${count} cycles, 64-byte bodies, synchronous=FULL`);
for (const [op, xs] of Object.entries(times)) {
  xs.sort((a, b) => a - b);
  console.log(
    `${op.padEnd(8)} p50 ${pct(xs, 50).toFixed(3)} ms  p90 ${pct(xs, 90).toFixed(3)} ms  p99 ${pct(xs, 99).toFixed(3)} ms`,
  );
}
agent.destroy();
await ferrite.close();
rmSync(dir, { recursive: true, force: true });
