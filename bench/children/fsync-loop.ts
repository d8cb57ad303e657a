import { closeSync, fdatasyncSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { announceReady, num, serveParent } from '../lib/parent';
import { percentile } from '../lib/stats';

/**
 * Durability floor: write a 4 KiB page and sync it, in a loop, in the data directory (BENCH_DIR). The pages
 * overwrite a preallocated 4 MiB file in turn, as a WAL that has been reset is rewritten from its start. A server
 * that syncs once per request cannot answer faster than this; group commit shares one sync between requests.
 */
const dir = process.env.BENCH_DIR;
if (!dir) throw new Error('BENCH_DIR is required');
const file = path.join(dir, 'fsync-floor.bin');
const PAGE = 4096;
const PAGES = 1024;
const fd = openSync(file, 'w+');
const page = Buffer.alloc(PAGE, 0x5a);
for (let i = 0; i < PAGES; i++) writeSync(fd, page, 0, PAGE, i * PAGE);
fsyncSync(fd);

function loop(seconds: number, sync: (fd: number) => void) {
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  for (let i = 0; performance.now() < until; i++) {
    const t = performance.now();
    writeSync(fd, page, 0, PAGE, (i % PAGES) * PAGE);
    sync(fd);
    latencies.push(performance.now() - t);
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    syncs: latencies.length,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

serveParent(
  {
    run: (args) => {
      const seconds = num(args, 'seconds');
      return { fsync: loop(seconds, fsyncSync), fdatasync: loop(seconds, fdatasyncSync) };
    },
    /** fsync alone, briefly: the floor again right before a latency measurement, on the disk as it is then. */
    fsync: (args) => loop(num(args, 'seconds'), fsyncSync),
  },
  () => {
    closeSync(fd);
    rmSync(file, { force: true });
    return Promise.resolve();
  },
);
announceReady();
