// Reserve cost at depth: a queue with 1,000 vs 1,000,000 available messages, and with 100,000 reserved and
// 100,000 delayed messages in front of the available ones. Store-level (no HTTP). Usage:
// npm run build && node bench/reserve-depth.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { openSqliteStore } = require('../dist/store/sqlite/sqlite-store.js');
const { DEFAULT_SETTINGS } = require('../dist/engine/queues.js');

const P = 'be0c0ffee0ddba11ca7e0001';
const now = Date.UTC(2026, 0, 1);
const dir = mkdtempSync(path.join(tmpdir(), 'ferrite-depth-'));
const store = openSqliteStore({ file: path.join(dir, 'd.db'), durability: 'full', now });
await store.createProject({ id: P, name: 'b', createdAt: now });

async function fill(queue, count, delay = 0) {
  const batch = Array.from({ length: 1000 }, () => ({ body: 'x'.repeat(64), delay, pushHeaders: null }));
  const pending = [];
  for (let i = 0; i < count / 1000; i++)
    pending.push(store.postMessages(P, queue, batch, DEFAULT_SETTINGS, now));
  await Promise.all(pending);
}
let rid = 0;
const reserve = (queue, n, at = now) =>
  store.reserveMessages({
    projectId: P,
    name: queue,
    n,
    timeoutSeconds: 3600,
    deleteOnReserve: false,
    reservationIds: Array.from({ length: n }, () => `r${rid++}`),
    defaults: DEFAULT_SETTINGS,
    now: at,
  });
async function measure(label, queue, n, runs = 300) {
  const xs = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const { messages: got } = await reserve(queue, n);
    xs.push(performance.now() - t);
    if (got.length !== n) throw new Error(`${label}: got ${got.length}`);
  }
  xs.sort((a, b) => a - b);
  const p = (q) => xs[Math.floor(q * xs.length)].toFixed(3);
  console.log(`${label.padEnd(46)} n=${String(n).padEnd(3)} p50 ${p(0.5)} ms  p99 ${p(0.99)} ms`);
}

await fill('small', 1000 * 200);
await fill('small-one', 1000);
await fill('big', 1_000_000);
await measure('1,000 available', 'small-one', 1, 300);
await measure('1,000,000 available', 'big', 1);
await measure('200,000 available', 'small', 100, 300);
await measure('~970,000 available', 'big', 100, 300);
// 100,000 reserved and 100,000 delayed messages ahead of 10,000 available ones.
await fill('crowded', 100_000);
await reserve('crowded', 100).then(async () => {
  for (let i = 1; i < 1000; i++) await reserve('crowded', 100);
});
await fill('crowded', 100_000, 3600);
await fill('crowded', 10_000);
await measure('100k reserved + 100k delayed in front', 'crowded', 1, 300);
await measure('100k reserved + 100k delayed in front', 'crowded', 100, 90);
let t = performance.now();
await store.getQueue(P, 'big');
console.log(`GET queue info at 1,000,000: ${(performance.now() - t).toFixed(3)} ms`);
await store.close();
rmSync(dir, { recursive: true, force: true });
