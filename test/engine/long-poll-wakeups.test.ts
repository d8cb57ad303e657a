import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/limits';
import type { EngineDeps } from '../../src/engine/deps';
import { postMessages } from '../../src/engine/messages';
import { reserveMessages } from '../../src/engine/reservations';
import { LocalWakeups } from '../../src/store/local-wakeups';
import { testEngine } from '../helpers/engine';

/**
 * A long poll must never miss a message committed after its empty answer: the wake-up sequence is read before
 * the store is asked, and a wait that starts after a notify returns at once.
 */

const P = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const body = (text: string) => ({ body: text, delay: 0, pushHeaders: null });

/** Resolves with `label` after `ms` unless the promise wins; never leaves the timer behind. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>(
    (resolve) => (timer = setTimeout(() => resolve('still waiting'), ms)),
  );
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('long polls and wake-ups', () => {
  let deps: EngineDeps;
  beforeEach(async () => {
    deps = await testEngine();
    await deps.store.createProject({ id: P, name: 'p', createdAt: 0 });
    await deps.store.putQueue({
      projectId: P,
      name: 'q',
      settings: DEFAULT_QUEUE_SETTINGS,
      now: 0,
      mode: 'create',
    });
  });
  afterEach(async () => {
    deps.wakeups.close();
    await deps.store.close();
  });

  test('a post committed in the same group as an empty reserve (reserve first) wakes that reserve at once', async () => {
    const abort = new AbortController();
    // Both start in the same tick: one group commit holds the empty reserve, then the post.
    const reserving = reserveMessages(deps, P, 'q', {
      n: 1,
      timeoutSeconds: null,
      waitSeconds: 30,
      deleteOnReserve: false,
      signal: abort.signal,
    });
    const posting = postMessages(deps, P, 'q', [body('in the gap')]);
    const [reserved] = await Promise.all([within(reserving, 5_000), posting]);
    abort.abort();
    expect(reserved).not.toBe('still waiting');
    expect((reserved as { body: string }[]).map((m) => m.body)).toEqual(['in the gap']);
  });

  test('many reserves parked on one queue: each post wakes as many as it brought messages', async () => {
    const abort = new AbortController();
    const input = {
      n: 1,
      timeoutSeconds: null,
      waitSeconds: 30,
      deleteOnReserve: false,
      signal: abort.signal,
    };
    const reserving = Array.from({ length: 3 }, () => reserveMessages(deps, P, 'q', input));
    await postMessages(deps, P, 'q', [body('1'), body('2'), body('3')]);
    const answers = await within(Promise.all(reserving), 5_000);
    abort.abort();
    expect(answers).not.toBe('still waiting');
    expect((answers as { body: string }[][]).map((m) => m.length)).toEqual([1, 1, 1]);
  });
});

describe('LocalWakeups', () => {
  test('a wait that begins after a notify it has not seen returns at once; one that has seen it parks', async () => {
    const wakeups = new LocalWakeups();
    const watch = wakeups.watch('k');
    const seen = watch.sequence;
    wakeups.notify('k', 1);
    expect(await within(watch.wait(seen, 10_000), 1_000)).toBeUndefined();
    const parked = watch.wait(watch.sequence, 10_000);
    expect(wakeups.parked).toBe(1);
    wakeups.notify('k', 1);
    await parked;
    expect(wakeups.parked).toBe(0);
    watch.end();
  });

  test('notify wakes the oldest `count` waiters; close wakes the rest and refuses new waits', async () => {
    const wakeups = new LocalWakeups();
    const order: number[] = [];
    const watches = [0, 1, 2].map(() => wakeups.watch('k'));
    const waits = watches.map((w, i) => w.wait(w.sequence, 10_000).then(() => order.push(i)));
    wakeups.notify('k', 2);
    await Promise.all(waits.slice(0, 2));
    expect(order).toEqual([0, 1]);
    expect(wakeups.parked).toBe(1);
    wakeups.close();
    await waits[2];
    expect(wakeups.closed).toBe(true);
    await expect(within(watches[0]!.wait(watches[0]!.sequence, 10_000), 1_000)).resolves.toBeUndefined();
  });

  test('the parking limit refuses one more waiter with ServerBusy, and keys nobody watches keep nothing', async () => {
    const wakeups = new LocalWakeups(1);
    const a = wakeups.watch('a');
    const b = wakeups.watch('b');
    const parked = a.wait(a.sequence, 10_000);
    await expect(b.wait(b.sequence, 10_000)).rejects.toThrow('Too many long polls');
    wakeups.notify('a', 1);
    await parked;
    a.end();
    b.end();
    // A notify on a key nobody watches is a no-op; a new watch starts from scratch.
    wakeups.notify('a', 1);
    expect(wakeups.watch('a').sequence).toBe(0);
  });
});
