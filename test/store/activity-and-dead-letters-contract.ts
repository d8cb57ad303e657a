import { DEFAULT_QUEUE_SETTINGS as DEFAULT_SETTINGS } from '../../src/domain/limits';
import { zeroCounts, type ActivityCounts } from '../../src/domain/stats';
import type { QueueSettings } from '../../src/domain/types';
import type { Store } from '../../src/store/store';

/**
 * The contract of the activity buckets (recordActivity, readActivity) and of dead letters (redriveMessages,
 * deadLetterSources, queueHealth), run by describeStoreContract inside its own describe block, against every
 * backend. Only the Store interface is used.
 */

const MIN = 60_000;
/** A whole hour, so minute and ten-minute buckets start where the tests expect. */
const T0 = Date.UTC(2026, 0, 1, 12);

export interface ContractContext {
  store: () => Store;
  sibling: () => Promise<Store>;
  /** The two projects describeStoreContract creates before each test. */
  projects: { p: string; other: string };
}

export function activityAndDeadLetterContract(context: ContractContext): void {
  const { p: P, other: OTHER } = context.projects;
  const store = () => context.store();
  const counts = (fields: Partial<ActivityCounts>): ActivityCounts => ({ ...zeroCounts(), ...fields });
  const put = (name: string, settings: QueueSettings = DEFAULT_SETTINGS, project = P) =>
    store().putQueue({ projectId: project, name, settings, now: T0, mode: 'upsert' });
  const post = async (name: string, bodies: string[], now = T0) =>
    (
      await store().postMessages(
        P,
        name,
        bodies.map((body) => ({ body, delay: 0, pushHeaders: null })),
        now,
      )
    ).ids;
  const reserve = (name: string, n: number, now: number) =>
    store().reserveMessages({ projectId: P, name, n, timeoutSeconds: 30, deleteOnReserve: false, now });
  const read = (name: string | null, resolution: number, since: number, project = P) =>
    store().readActivity({ projectId: project, name, resolution, since });

  describe('activity buckets', () => {
    test('counts add up per minute and per ten minutes; a sample records the size', async () => {
      await post('a', ['1', '2', '3']);
      await store().recordActivity({
        deltas: [{ projectId: P, name: 'a', minute: T0, counts: counts({ posted: 3, reserved: 1 }) }],
        now: T0 + 5000,
      });
      await store().recordActivity({
        deltas: [
          { projectId: P, name: 'a', minute: T0, counts: counts({ posted: 2 }) },
          { projectId: P, name: 'a', minute: T0 + 3 * MIN, counts: counts({ deleted: 4, expired: 1 }) },
        ],
        now: T0 + 3 * MIN,
      });
      expect(await read('a', 60, T0 - 10 * MIN)).toEqual({
        queues: [
          {
            name: 'a',
            buckets: [
              { start: T0, ...counts({ posted: 5, reserved: 1 }), size: 3 },
              { start: T0 + 3 * MIN, ...counts({ deleted: 4, expired: 1 }), size: null },
            ],
            sizeBefore: null,
            size: 3,
          },
        ],
        restSize: 0,
      });
      expect((await read('a', 600, T0))!.queues[0]!.buckets).toEqual([
        { start: T0, ...counts({ posted: 5, reserved: 1, deleted: 4, expired: 1 }), size: 3 },
      ]);
      // The window starts where asked.
      expect((await read('a', 60, T0 + MIN))!.queues[0]!.buckets.map((b) => b.start)).toEqual([T0 + 3 * MIN]);
    });

    test('the size sampled before the window comes with the window', async () => {
      await post('s', ['1', '2']);
      await store().recordActivity({ deltas: [], now: T0 + 30_000 });
      await post('s', ['3'], T0 + 5 * MIN);
      const later = await read('s', 60, T0 + MIN);
      expect(later!.queues[0]).toEqual({ name: 's', buckets: [], sizeBefore: 2, size: 3 });
      // An hour and more later, the minute buckets before the window are older than the ten-minute ones show.
      const hours = await read('s', 60, T0 + 3 * 3_600_000);
      expect(hours!.queues[0]!.sizeBefore).toBe(2);
      expect((await read('s', 600, T0 + 10 * MIN))!.queues[0]!.sizeBefore).toBe(2);
    });

    test('a project read gives each queue with buckets, and the size of the others', async () => {
      // `idle` is sampled two hours before the window and not since (its size did not move).
      await post('idle', ['1', '2', '3', '4'], T0 - 2 * 3_600_000);
      await store().recordActivity({ deltas: [], now: T0 - 2 * 3_600_000 });
      await post('x', ['1']);
      await post('y', ['1', '2']);
      await put('elsewhere', DEFAULT_SETTINGS, OTHER);
      await store().recordActivity({
        deltas: [
          { projectId: P, name: 'y', minute: T0, counts: counts({ posted: 2 }) },
          { projectId: P, name: 'x', minute: T0, counts: counts({ posted: 1 }) },
          { projectId: OTHER, name: 'elsewhere', minute: T0, counts: counts({ posted: 9 }) },
        ],
        now: T0,
      });
      const project = await read(null, 60, T0 - MIN);
      expect(project!.queues.map((q) => [q.name, q.size, q.buckets[0]!.posted, q.buckets[0]!.size])).toEqual([
        ['x', 1, 1, 1],
        ['y', 2, 2, 2],
      ]);
      expect(project!.restSize).toBe(4);
      expect(await read(null, 60, T0 - MIN, 'cccccccccccccccccccccccc')).toEqual({ queues: [], restSize: 0 });
    });

    test('a size that moved without counts (a clear, an alert message) is sampled by the next record', async () => {
      await post('c', ['1', '2']);
      await store().recordActivity({ deltas: [], now: T0 });
      expect(await store().clearMessages(P, 'c', T0 + MIN)).toBe(true);
      await store().recordActivity({ deltas: [], now: T0 + MIN });
      await store().recordActivity({ deltas: [], now: T0 + 2 * MIN });
      expect((await read('c', 60, T0))!.queues[0]!.buckets.map((b) => [b.start, b.size])).toEqual([
        [T0, 2],
        [T0 + MIN, 0],
      ]);
    });

    test('counts of missing queues are dropped; a missing queue reads as null; a deleted queue loses its buckets', async () => {
      await post('gone', ['1']);
      await store().recordActivity({
        deltas: [
          { projectId: P, name: 'gone', minute: T0, counts: counts({ posted: 1 }) },
          { projectId: P, name: 'never', minute: T0, counts: counts({ posted: 7 }) },
        ],
        now: T0,
      });
      expect(await read('never', 60, T0 - MIN)).toBeNull();
      expect(await store().deleteQueue(P, 'gone')).toBe(true);
      await post('gone', ['again'], T0 + MIN);
      expect((await read('gone', 60, T0 - MIN))!.queues[0]!.buckets).toEqual([]);
    });

    test('buckets past their window are deleted by a later record; what is kept survives a reopen', async () => {
      await post('old', ['1']);
      await store().recordActivity({
        deltas: [{ projectId: P, name: 'old', minute: T0, counts: counts({ posted: 1 }) }],
        now: T0,
      });
      const sibling = await context.sibling();
      expect(
        (await sibling.readActivity({ projectId: P, name: 'old', resolution: 60, since: 0 }))!.queues[0]!
          .buckets,
      ).toHaveLength(1);
      await store().recordActivity({ deltas: [], now: T0 + 3 * 3_600_000 });
      expect((await read('old', 60, 0))!.queues[0]!.buckets).toEqual([]);
      expect((await read('old', 600, 0))!.queues[0]!.buckets).toHaveLength(1);
      await store().recordActivity({ deltas: [], now: T0 + 25 * 3_600_000 });
      expect((await read('old', 600, 0))!.queues[0]!.buckets).toEqual([]);
    });
  });

  describe('dead letters', () => {
    const DL: QueueSettings = { ...DEFAULT_SETTINGS, deadLetter: { queueName: 'dlq', maxReservations: 1 } };

    /** Posts to `source` and reserves each message twice: the second reserve moves them to dlq. */
    async function deadLetters(source: string, bodies: string[], now = T0): Promise<string[]> {
      await put(source, DL);
      const ids = await post(source, bodies, now);
      await reserve(source, bodies.length, now);
      const moved = await reserve(source, bodies.length, now + 31_000);
      expect(moved).toMatchObject({ messages: [], deadLettered: bodies.length });
      return ids;
    }

    test('sources: the queues that send here and the movable messages per origin', async () => {
      await deadLetters('orders', ['o1', 'o2']);
      await deadLetters('payments', ['p1']);
      await post('dlq', ['posted here directly']);
      expect(await store().deadLetterSources(P, 'dlq', T0 + 60_000)).toEqual({
        configured: ['orders', 'payments'],
        origins: [
          { queue: 'orders', count: 2 },
          { queue: 'payments', count: 1 },
          { queue: null, count: 1 },
        ],
      });
      expect(await store().deadLetterSources(P, 'missing', T0)).toBeNull();
      expect(await store().deadLetterSources(P, 'orders', T0)).toEqual({ configured: [], origins: [] });
    });

    test('redrive sends each back where it came from, oldest first, a page at a time, with reserved_count 0', async () => {
      const orders = await deadLetters('orders', ['o1', 'o2', 'o3']);
      const now = T0 + 60_000;
      const first = await store().redriveMessages({
        projectId: P,
        name: 'dlq',
        to: null,
        fallback: null,
        limit: 2,
        after: null,
        now,
      });
      expect(first).toEqual({
        moved: [{ queue: 'orders', ids: orders.slice(0, 2) }],
        skipped: 0,
        last: orders[1],
        done: false,
      });
      const second = await store().redriveMessages({
        projectId: P,
        name: 'dlq',
        to: null,
        fallback: null,
        limit: 2,
        after: orders[1]!,
        now,
      });
      expect(second).toEqual({
        moved: [{ queue: 'orders', ids: [orders[2]] }],
        skipped: 0,
        last: orders[2],
        done: true,
      });
      expect(await store().getQueue(P, 'dlq')).toMatchObject({ size: 0 });
      expect(await store().getQueue(P, 'orders')).toMatchObject({ size: 3, totalMessages: 6 });
      const back = await store().peekMessages(P, 'orders', 5, now);
      expect(back!.map((m) => [m.id, m.body, m.reservedCount, m.state, m.statusTimes.pending])).toEqual([
        [orders[0], 'o1', 0, 'available', now],
        [orders[1], 'o2', 0, 'available', now],
        [orders[2], 'o3', 0, 'available', now],
      ]);
      // Back in its queue, a message is no dead letter any more: a new redrive finds nothing.
      expect(await store().deadLetterSources(P, 'dlq', now)).toEqual({ configured: ['orders'], origins: [] });
      expect(
        await store().redriveMessages({
          projectId: P,
          name: 'dlq',
          to: null,
          fallback: null,
          limit: 10,
          after: null,
          now,
        }),
      ).toEqual({ moved: [], skipped: 0, last: null, done: true });
    });

    test('redrive to a named queue, with a fallback for unknown origins, skipping what has nowhere to go', async () => {
      const [o1] = await deadLetters('orders', ['o1']);
      const [direct] = await post('dlq', ['direct']);
      const now = T0 + 60_000;
      const base = { projectId: P, name: 'dlq', limit: 10, after: null, now };
      // Unknown origin without fallback, and a target that does not exist: they stay.
      expect(await store().redriveMessages({ ...base, to: null, fallback: null })).toEqual({
        moved: [{ queue: 'orders', ids: [o1] }],
        skipped: 1,
        last: direct,
        done: true,
      });
      expect(await store().redriveMessages({ ...base, to: 'retry', fallback: null })).toEqual({
        moved: [],
        skipped: 1,
        last: direct,
        done: true,
      });
      await put('retry');
      expect(await store().redriveMessages({ ...base, to: 'retry', fallback: null })).toEqual({
        moved: [{ queue: 'retry', ids: [direct] }],
        skipped: 0,
        last: direct,
        done: true,
      });
      const [again] = await post('dlq', ['again']);
      expect(await store().redriveMessages({ ...base, to: null, fallback: 'orders' })).toMatchObject({
        moved: [{ queue: 'orders', ids: [again] }],
      });
      expect(await store().redriveMessages({ ...base, name: 'missing', to: null, fallback: null })).toEqual({
        kind: 'queue_not_found',
      });
    });

    test('redrive leaves reserved dead letters where they are', async () => {
      const [o1, o2] = await deadLetters('orders', ['o1', 'o2']);
      const now = T0 + 60_000;
      const held = await reserve('dlq', 1, now);
      expect(held!.messages.map((m) => m.id)).toEqual([o1]);
      const result = await store().redriveMessages({
        projectId: P,
        name: 'dlq',
        to: null,
        fallback: null,
        limit: 10,
        after: null,
        now,
      });
      expect(result).toEqual({ moved: [{ queue: 'orders', ids: [o2] }], skipped: 0, last: o2, done: true });
      expect(await store().getQueue(P, 'dlq')).toMatchObject({ size: 1 });
    });

    test('health: when the oldest live message was posted, and the dead letters from each queue', async () => {
      await deadLetters('orders', ['o1', 'o2'], T0);
      await post('orders', ['later'], T0 + 5 * MIN);
      expect(
        await store().queueHealth([
          { projectId: P, name: 'orders' },
          { projectId: P, name: 'dlq' },
          { projectId: P, name: 'missing' },
          { projectId: OTHER, name: 'orders' },
        ]),
      ).toEqual([
        { oldestAt: T0 + 5 * MIN, deadLetters: 2 },
        { oldestAt: T0, deadLetters: 0 },
        { oldestAt: null, deadLetters: 0 },
        { oldestAt: null, deadLetters: 0 },
      ]);
    });
  });
}
