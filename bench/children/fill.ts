import { performance } from 'node:perf_hooks';
import { PROJECT, TOKEN, dist } from '../lib/dist';
import { announceReady, num, serveParent, str } from '../lib/parent';

/**
 * Fills a data file through the store with durability off (the fill is set-up, not a measurement), with the
 * bench project and token, so that a server started on the file afterwards serves them. BENCH_DB_FILE names it.
 */
const file = process.env.BENCH_DB_FILE;
if (!file) throw new Error('BENCH_DB_FILE is required');
const clock = dist.clock().systemClock;
let store: Awaited<typeof opening>;
const opening = dist.sqliteStore().openSqliteStore({ file, durability: 'off', now: clock.now() });

/** Rows per store call, and calls per event-loop turn (which the group committer puts in one transaction). */
const BATCH = 1000;
const BATCHES_PER_TURN = 100;

async function fill(queue: string, count: number): Promise<void> {
  const body = 'x'.repeat(64);
  for (let done = 0; done < count;) {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BATCHES_PER_TURN && done < count; i++) {
      const size = Math.min(BATCH, count - done);
      const batch = Array.from({ length: size }, () => ({ body, delay: 0, pushHeaders: null }));
      pending.push(store.postMessages(PROJECT, queue, batch, clock.now()));
      done += size;
    }
    await Promise.all(pending);
  }
}

async function main(): Promise<void> {
  store = await opening;
  await dist.projects().createProject({ store, clock }, { id: PROJECT, token: TOKEN, name: 'bench' });
  serveParent(
    {
      fill: async (args) => {
        const started = performance.now();
        await fill(str(args, 'queue'), num(args, 'count'));
        return { seconds: (performance.now() - started) / 1000 };
      },
    },
    () => store.close(),
  );
  announceReady();
}

main().catch((error: unknown) => {
  process.stderr.write(`bench fill: ${String(error)}\n`);
  process.exit(1);
});
