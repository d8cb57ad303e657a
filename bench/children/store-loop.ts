import { performance } from 'node:perf_hooks';
import { PROJECT, dist } from '../lib/dist';
import { announceReady, num, serveParent, str } from '../lib/parent';

/**
 * Store ceiling: the SQLite store's own post → reserve → delete operations in a loop, with no HTTP, no engine and
 * no validation, at `synchronous=FULL` with group commit (concurrent loops share commits as HTTP requests do).
 * BENCH_DB_FILE names the data file.
 */
const file = process.env.BENCH_DB_FILE;
if (!file) throw new Error('BENCH_DB_FILE is required');
const clock = dist.clock().systemClock;
let store: Awaited<typeof opening>;
const opening = dist.sqliteStore().openSqliteStore({ file, durability: 'full', now: clock.now() });

/** One loop: post n, reserve n, delete them by id and reservation id, until `until`. Returns messages cycled. */
async function loop(queue: string, n: number, until: number): Promise<number> {
  const body = 'x'.repeat(64);
  const batch = Array.from({ length: n }, () => ({ body, delay: 0, pushHeaders: null }));
  let cycled = 0;
  while (performance.now() < until) {
    await store.postMessages(PROJECT, queue, batch, clock.now());
    const reserved = await store.reserveMessages({
      projectId: PROJECT,
      name: queue,
      n,
      timeoutSeconds: 60,
      deleteOnReserve: false,
      now: clock.now(),
    });
    const messages = reserved?.messages ?? [];
    const failure = await store.deleteMessages(
      PROJECT,
      queue,
      messages.map((m) => ({ id: m.id, reservationId: m.reservationId })),
      clock.now(),
    );
    if (failure) throw new Error(`delete failed: ${failure.kind}`);
    cycled += messages.length;
  }
  return cycled;
}

async function main(): Promise<void> {
  store = await opening;
  await store.createProject({ id: PROJECT, name: 'bench', createdAt: clock.now() });
  serveParent(
    {
      cycle: async (args) => {
        const loops = num(args, 'loops');
        const started = performance.now();
        const until = started + num(args, 'seconds') * 1000;
        const counts = await Promise.all(
          Array.from({ length: loops }, () => loop(str(args, 'queue'), num(args, 'n'), until)),
        );
        return { messages: counts.reduce((a, b) => a + b, 0), seconds: (performance.now() - started) / 1000 };
      },
    },
    () => store.close(),
  );
  announceReady();
}

main().catch((error: unknown) => {
  process.stderr.write(`bench store-loop: ${String(error)}\n`);
  process.exit(1);
});
