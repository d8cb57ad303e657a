import { DEFAULT_QUEUE_SETTINGS as DEFAULT_SETTINGS } from '../../src/domain/limits';
import type { ConsumerStatus, Message, QueueSettings } from '../../src/domain/types';
import type { DeliveryOutcome, Store } from '../../src/store/store';
import { activityAndDeadLetterContract } from './activity-and-dead-letters-contract';

const P = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const T0 = Date.UTC(2026, 0, 1);

/** How the contract opens a backend. */
export interface ContractBackend {
  /** A fresh, empty store. */
  open(): Promise<Store> | Store;
  /** A second store on the database of the last one opened: what another process or node would hold. */
  sibling(): Promise<Store> | Store;
}

/**
 * The rules every Store implementation must follow: every method of the interface is called here, and a backend
 * passes this file unchanged. Run it against each backend: `describeStoreContract('sqlite', backend)`.
 */
export function describeStoreContract(name: string, backend: ContractBackend): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const opened: Store[] = [];
    beforeEach(async () => {
      store = await backend.open();
      opened.push(store);
      await store.createProject({ id: P, name: 'p', createdAt: T0 });
      await store.createProject({ id: OTHER, name: 'o', createdAt: T0 });
    });
    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
    });
    const sibling = async () => {
      const other = await backend.sibling();
      opened.push(other);
      return other;
    };

    activityAndDeadLetterContract({ store: () => store, sibling, projects: { p: P, other: OTHER } });

    const put = (
      projectId: string,
      name: string,
      settings: QueueSettings,
      now: number,
      mode: 'create' | 'update' | 'upsert',
    ) => store.putQueue({ projectId, name, settings, now, mode });
    const post = (queue: string, bodies: string[], now = T0, delay = 0) =>
      store
        .postMessages(
          P,
          queue,
          bodies.map((body) => ({ body, delay, pushHeaders: null })),
          now,
        )
        .then((result) => result.ids);
    const reserve = (queue: string, n: number, now = T0, timeoutSeconds: number | null = 30) =>
      store
        .reserveMessages({
          projectId: P,
          name: queue,
          n,
          timeoutSeconds,
          deleteOnReserve: false,
          now,
        })
        .then((result) => result?.messages ?? null) as Promise<Message[]>;

    test('tokens map to their project until revoked', async () => {
      await store.addToken({ id: 't1', projectId: P, tokenHash: 'h1', name: 'n', createdAt: T0 });
      expect(await store.projectOfTokenHash('h1')).toBe(P);
      expect(await store.projectOfTokenHash('nope')).toBeNull();
      expect(await store.revokeToken('t1', T0)).toBe(true);
      expect(await store.revokeToken('t1', T0)).toBe(false);
      expect(await store.projectOfTokenHash('h1')).toBeNull();
      expect((await store.listTokens(P))[0]!.revokedAt).toBe(T0);
    });

    test('putQueue honours create, update and upsert', async () => {
      const settings: QueueSettings = { ...DEFAULT_SETTINGS, messageTimeout: 5 };
      expect(await put(P, 'q', settings, T0, 'update')).toBeNull();
      expect((await put(P, 'q', settings, T0, 'create'))!.created).toBe(true);
      expect(await put(P, 'q', settings, T0, 'create')).toBeNull();
      const updated = await put(P, 'q', { ...settings, messageTimeout: 9 }, T0 + 1, 'upsert');
      expect(updated).toMatchObject({ created: false, queue: { messageTimeout: 9, updatedAt: T0 + 1 } });
      expect(await store.getQueue(OTHER, 'q')).toBeNull();
    });

    test('listQueues pages in code-point order with prefix and after', async () => {
      for (const name of ['b', 'a', 'ab', 'abc', 'c', 'Z'])
        await put(P, name, DEFAULT_SETTINGS, T0, 'create');
      const names = async (o: { prefix: string; after: string; limit: number }) =>
        (await store.listQueues(P, o)).map((q) => q.name);
      expect(await names({ prefix: '', after: '', limit: 10 })).toEqual(['Z', 'a', 'ab', 'abc', 'b', 'c']);
      expect(await names({ prefix: '', after: 'ab', limit: 2 })).toEqual(['abc', 'b']);
      expect(await names({ prefix: 'ab', after: '', limit: 10 })).toEqual(['ab', 'abc']);
      expect(await names({ prefix: 'ab', after: 'ab', limit: 10 })).toEqual(['abc']);
      expect(await store.listQueues(OTHER, { prefix: '', after: '', limit: 10 })).toEqual([]);
    });

    test('posted ids increase, the queue is created, and counters move', async () => {
      const first = await post('q', ['a', 'b']);
      const second = await post('q', ['c']);
      const ids = [...first, ...second].map(Number);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(3);
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 3, totalMessages: 3 });
    });

    test('reserve returns FIFO, skips held and scheduled messages, and a timed-out one comes back first', async () => {
      await post('q', ['a', 'b', 'c']);
      await post('q', ['later'], T0, 100);
      const [a] = await reserve('q', 1);
      expect(a!.body).toBe('a');
      const [b] = await reserve('q', 1, T0 + 10_000);
      expect(b!.body).toBe('b');
      // a's reservation (30 s) ends: it is served before c.
      const again = await reserve('q', 2, T0 + 31_000);
      expect(again.map((m) => [m.body, m.reservedCount])).toEqual([
        ['a', 2],
        ['c', 1],
      ]);
      expect(again[0]!.reservationId).not.toBe(a!.reservationId);
      expect(await reserve('q', 5, T0 + 31_000)).toEqual([]);
      expect((await reserve('q', 5, T0 + 41_000)).map((m) => m.body)).toEqual(['b']);
      expect((await reserve('q', 5, T0 + 100_000)).map((m) => m.body)).toEqual(['a', 'b', 'c', 'later']);
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 4 });
    });

    test('reserve on a missing queue is null; timeout null uses the queue setting', async () => {
      expect(await reserve('missing', 1)).toBeNull();
      await put(P, 'q', { ...DEFAULT_SETTINGS, messageTimeout: 7 }, T0, 'create');
      await post('q', ['a']);
      const [m] = await reserve('q', 1, T0, null);
      expect(m!.visibleAt).toBe(T0 + 7000);
    });

    test('deleteMessages is all or nothing and checks reservations', async () => {
      const [id1, id2] = await post('q', ['a', 'b']);
      const [held] = await reserve('q', 1);
      const now = T0 + 1;
      expect(
        await store.deleteMessages(
          P,
          'q',
          [
            { id: id2!, reservationId: null },
            { id: id1!, reservationId: null },
          ],
          now,
        ),
      ).toEqual({
        kind: 'message_reserved',
        id: id1,
      });
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 2 });
      expect(await store.deleteMessages(P, 'q', [{ id: id1!, reservationId: 'wrong' }], now)).toEqual({
        kind: 'reservation_mismatch',
        id: id1,
      });
      expect(await store.deleteMessages(P, 'q', [{ id: '999999', reservationId: null }], now)).toEqual({
        kind: 'message_not_found',
        id: '999999',
      });
      expect(await store.deleteMessages(P, 'nope', [], now)).toEqual({ kind: 'queue_not_found' });
      expect(
        await store.deleteMessages(
          P,
          'q',
          [
            { id: id1!, reservationId: held!.reservationId },
            { id: id2!, reservationId: null },
          ],
          now,
        ),
      ).toBeNull();
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 0, totalMessages: 2 });
    });

    test('an expired reservation id is refused; without one the message can be deleted', async () => {
      const [id] = await post('q', ['a']);
      const [held] = await reserve('q', 1);
      const later = T0 + 31_000;
      expect(
        await store.deleteMessages(P, 'q', [{ id: id!, reservationId: held!.reservationId }], later),
      ).toEqual({
        kind: 'reservation_mismatch',
        id,
      });
      expect(await store.deleteMessages(P, 'q', [{ id: id!, reservationId: null }], later)).toBeNull();
    });

    test('touch replaces the reservation id and extends it; release puts the message back', async () => {
      const [id] = await post('q', ['a']);
      const [held] = await reserve('q', 1);
      const touched = await store.touchMessage({
        projectId: P,
        name: 'q',
        id: id!,
        reservationId: held!.reservationId!,
        newReservationId: 'new',
        timeoutSeconds: 100,
        now: T0 + 10_000,
      });
      expect(touched).toMatchObject({ reservationId: 'new', visibleAt: T0 + 110_000, reservedCount: 1 });
      const stale = {
        projectId: P,
        name: 'q',
        id: id!,
        reservationId: held!.reservationId!,
        delaySeconds: 0,
        now: T0 + 11_000,
      };
      expect(await store.releaseMessage(stale)).toEqual({ kind: 'reservation_mismatch', id });
      expect(await reserve('q', 1, T0 + 50_000)).toEqual([]);
      expect(await store.releaseMessage({ ...stale, reservationId: 'new', delaySeconds: 5 })).toBeNull();
      expect(await reserve('q', 1, T0 + 15_000)).toEqual([]);
      expect(await store.nextTimerAt(P, 'q')).toBe(T0 + 16_000);
      expect((await reserve('q', 1, T0 + 16_000))[0]).toMatchObject({ id, reservedCount: 2 });
    });

    test('peek shows what a reserve would return without reserving it', async () => {
      await post('q', ['a', 'b', 'c']);
      await reserve('q', 1);
      expect((await store.peekMessages(P, 'q', 5, T0))!.map((m) => m.body)).toEqual(['b', 'c']);
      expect((await store.peekMessages(P, 'q', 5, T0 + 31_000))!.map((m) => m.body)).toEqual(['a', 'b', 'c']);
      expect(await store.peekMessages(P, 'missing', 5, T0)).toBeNull();
    });

    test('dead-letter: a message over max reservations moves with its id, body and count', async () => {
      await put(
        P,
        'q',
        { ...DEFAULT_SETTINGS, deadLetter: { queueName: 'dlq', maxReservations: 2 } },
        T0,
        'create',
      );
      const [id] = await post('q', ['poison']);
      await reserve('q', 1, T0);
      await reserve('q', 1, T0 + 31_000);
      const third = await store.reserveMessages({
        projectId: P,
        name: 'q',
        n: 1,
        timeoutSeconds: 30,
        deleteOnReserve: false,
        now: T0 + 62_000,
      });
      expect(third).toEqual({ messages: [], deadLettered: 1, pushQueue: false, atCapacity: false });
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 0 });
      expect(await store.getQueue(P, 'dlq')).toMatchObject({ size: 1, totalMessages: 1 });
      expect(await store.getMessage(P, 'dlq', id!, T0 + 62_000)).toMatchObject({
        id,
        body: 'poison',
        reservedCount: 2,
      });
    });

    test('expireMessages removes messages past expiration and fixes sizes', async () => {
      await put(P, 'q', { ...DEFAULT_SETTINGS, messageExpiration: 60 }, T0, 'create');
      await post('q', ['a', 'b']);
      expect((await store.expireMessages(T0 + 59_000, 100)).total).toBe(0);
      expect(await store.expireMessages(T0 + 60_000, 1)).toEqual({
        total: 1,
        byQueue: [{ projectId: P, name: 'q', count: 1 }],
      });
      expect((await store.expireMessages(T0 + 60_000, 100)).total).toBe(1);
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 0, totalMessages: 2 });
    });

    test('clear and deleteQueue remove everything', async () => {
      await post('q', ['a', 'b']);
      expect(await store.clearMessages(P, 'q', T0)).toBe(true);
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 0 });
      expect(await reserve('q', 5)).toEqual([]);
      expect(await store.clearMessages(P, 'nope', T0)).toBe(false);
      expect(await store.deleteQueue(P, 'q')).toBe(true);
      expect(await store.deleteQueue(P, 'q')).toBe(false);
    });

    const consumerSettings: QueueSettings = {
      ...DEFAULT_SETTINGS,
      messageTimeout: 30,
      onTimeout: 'overdue',
      overdueTimeout: 30,
      retainCompleted: true,
      maxInFlight: 2,
      topics: ['orders/#', 'orders/+/1'],
    };

    test('consumer queues: active → delayed → failed on their timers, counts exact, retry to the front', async () => {
      await put(P, 'c', consumerSettings, T0, 'create');
      const [a, b] = await post('c', ['a', 'b']);
      await reserve('c', 1, T0, null);
      expect(await store.countStates(P, 'c', T0)).toEqual({
        pending: 1,
        active: 1,
        delayed: 0,
        failed: 0,
        completed: 0,
      });
      expect(await store.countStates(P, 'c', T0 + 30_000)).toMatchObject({ active: 0, delayed: 1 });
      expect(await store.countStates(P, 'c', T0 + 60_000)).toMatchObject({
        delayed: 0,
        failed: 1,
        pending: 1,
      });
      const [failed] = (await store.listStatus(P, 'c', 'failed', T0 + 60_000, 10))!;
      expect(failed).toMatchObject({ id: a, error: 'Job took too long to execute' });
      expect(await store.getQueue(P, 'c')).toMatchObject({ size: 1 });
      expect(await store.retryFailed(P, 'c', a!, T0 + 61_000)).toBe(1);
      expect(await store.retryFailed(P, 'c', a!, T0 + 61_000)).toEqual({ kind: 'wrong_state', id: a });
      expect((await reserve('c', 1, T0 + 62_000, null)).map((m) => m.id)).toEqual([a]);
      expect(b).toBeDefined();
    });

    test('consumer queues: complete keeps a completed record until flushed; fail records the error', async () => {
      await put(P, 'c', consumerSettings, T0, 'create');
      const [a, b] = await post('c', ['a', 'b']);
      expect(await store.completeMessage(P, 'c', a!, T0)).toEqual({ kind: 'wrong_state', id: a });
      await reserve('c', 2, T0, null);
      expect(await store.completeMessage(P, 'c', a!, T0)).toBeNull();
      expect(await store.failMessage(P, 'c', b!, 'boom', T0)).toBeNull();
      expect(await store.countStates(P, 'c', T0)).toEqual({
        pending: 0,
        active: 0,
        delayed: 0,
        failed: 1,
        completed: 1,
      });
      expect((await store.listStatus(P, 'c', 'failed', T0, 10))![0]).toMatchObject({ id: b, error: 'boom' });
      expect(await store.getMessage(P, 'c', a!, T0)).toBeNull();
      expect(await store.flushStatus(P, 'c', 'completed', T0)).toBe(1);
      expect(await store.deleteInStatus(P, 'c', b!, 'pending', T0)).toEqual({ kind: 'wrong_state', id: b });
      expect(await store.deleteInStatus(P, 'c', b!, 'failed', T0)).toBeNull();
      expect(await store.countStates(P, 'c', T0)).toEqual({
        pending: 0,
        active: 0,
        delayed: 0,
        failed: 0,
        completed: 0,
      });
    });

    test('max_in_flight caps reservations; a completion frees a slot', async () => {
      await put(P, 'c', consumerSettings, T0, 'create');
      const ids = await post('c', ['a', 'b', 'c']);
      expect(await reserve('c', 5, T0, null)).toHaveLength(2);
      const capped = await store.reserveMessages({
        projectId: P,
        name: 'c',
        n: 1,
        timeoutSeconds: null,
        deleteOnReserve: false,
        now: T0,
      });
      expect(capped).toMatchObject({ messages: [], atCapacity: true });
      await store.completeMessage(P, 'c', ids[0]!, T0);
      expect((await reserve('c', 5, T0, null)).map((m) => m.id)).toEqual([ids[2]]);
    });

    test('publish puts one copy in every matching queue of the project, and nothing elsewhere', async () => {
      await put(P, 'c', consumerSettings, T0, 'create');
      await put(P, 'd', { ...DEFAULT_SETTINGS, topics: ['orders/eu/+'] }, T0, 'create');
      await put(P, 'e', { ...DEFAULT_SETTINGS, topics: ['invoices/#'] }, T0, 'create');
      await put(OTHER, 'c', { ...DEFAULT_SETTINGS, topics: ['#'] }, T0, 'create');
      const ids = await store.publish(P, 'orders/eu/1', [{ body: 'x', delay: 0, pushHeaders: null }], T0);
      expect(Object.keys(ids).sort()).toEqual(['c', 'd']);
      expect(ids.c).toHaveLength(1);
      expect(await store.getMessage(P, 'c', ids.c![0]!, T0)).toMatchObject({ topic: 'orders/eu/1' });
      expect(
        await store.publish(P, 'nobody/listens', [{ body: 'x', delay: 0, pushHeaders: null }], T0),
      ).toEqual({});
      expect((await store.getQueue(P, 'c'))!.topics).toEqual(['orders/#', 'orders/+/1']);
    });

    test('idle queues expire; activity keeps them', async () => {
      await put(P, 'idle', { ...DEFAULT_SETTINGS, idleExpiry: 60 }, T0, 'create');
      await put(P, 'kept', { ...DEFAULT_SETTINGS, idleExpiry: 60 }, T0, 'create');
      expect(await store.markActive(P, 'kept', T0 + 30_000)).toBe(true);
      expect(await store.expireIdleQueues(T0 + 61_000, 10)).toEqual([{ projectId: P, name: 'idle' }]);
      expect(await store.getQueue(P, 'idle')).toBeNull();
      expect(await store.getQueue(P, 'kept')).not.toBeNull();
    });

    test('server settings are created once and kept', async () => {
      expect(await store.serverSetting('k', 'first')).toBe('first');
      expect(await store.serverSetting('k', 'second')).toBe('first');
    });

    test('concurrent writes: a failing one changes nothing, the others all commit', async () => {
      const [id] = await post('q', ['held']);
      await reserve('q', 1);
      const results = await Promise.all([
        post('q', ['x']),
        store.deleteMessages(P, 'q', [{ id: id!, reservationId: 'wrong' }], T0),
        post('q', ['y']),
        store.postMessages(P, 'q', [{ body: 'z', delay: 0, pushHeaders: null }], T0),
      ]);
      expect(results[1]).toEqual({ kind: 'reservation_mismatch', id });
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 4, totalMessages: 4 });
    });

    // ---- projects, settings and the store itself ----

    test('projects are read back one by one and listed in creation order', async () => {
      expect(await store.getProject(P)).toEqual({ id: P, name: 'p', createdAt: T0 });
      expect(await store.getProject('cccccccccccccccccccccccc')).toBeNull();
      await store.createProject({ id: 'cccccccccccccccccccccccc', name: 'c', createdAt: T0 + 1 });
      expect((await store.listProjects()).map((p) => p.id)).toEqual([P, OTHER, 'cccccccccccccccccccccccc']);
    });

    test('the store says what it is, what it migrated, and takes a ping until it is closed', async () => {
      expect(['sqlite', 'postgres']).toContain(store.kind);
      expect(Array.isArray(store.migrationsApplied)).toBe(true);
      const fresh = await sibling();
      // The database was migrated by the first open: a second one has nothing left to apply.
      expect(fresh.migrationsApplied).toEqual([]);
      await expect(store.ping()).resolves.toBeUndefined();
      const stats = await store.stats();
      for (const bytes of Object.values(stats.bytes)) expect(bytes).toBeGreaterThanOrEqual(0);
      await fresh.close();
      await expect(fresh.ping()).rejects.toThrow();
    });

    test('putQueue with an expected version writes only while nobody changed the settings', async () => {
      const created = (await put(P, 'v', DEFAULT_SETTINGS, T0, 'create'))!.queue;
      const first = await store.putQueue({
        projectId: P,
        name: 'v',
        settings: { ...DEFAULT_SETTINGS, messageTimeout: 11 },
        now: T0,
        mode: 'update',
        expectedVersion: created.version,
      });
      expect(first!.queue.version).toBeGreaterThan(created.version);
      // A second writer that read the queue before the first change is refused, and changes nothing.
      const stale = await store.putQueue({
        projectId: P,
        name: 'v',
        settings: { ...DEFAULT_SETTINGS, messageTimeout: 22 },
        now: T0,
        mode: 'update',
        expectedVersion: created.version,
      });
      expect(stale).toBeNull();
      expect(await store.getQueue(P, 'v')).toMatchObject({ messageTimeout: 11 });
      // Counters do not move the version: posting does not make a settings change fail.
      const before = (await store.getQueue(P, 'v'))!.version;
      await post('v', ['a']);
      expect((await store.getQueue(P, 'v'))!.version).toBe(before);
      expect(typeof created.id).toBe('string');
    });

    test('queueStats counts the size and reserved messages of each queue', async () => {
      await post('s', ['a', 'b', 'c']);
      await reserve('s', 1);
      expect(await store.queueStats(100)).toEqual(
        expect.arrayContaining([{ projectId: P, name: 's', size: 3, reserved: 1 }]),
      );
    });

    /** The status times of one message as a consumer's list shows them. */
    const timesOf = async (queue: string, status: ConsumerStatus, id: string, now: number) =>
      (await store.listStatus(P, queue, status, now, 100))!.find((m) => m.id === id)!.statusTimes;

    test('status times: each status a message enters is recorded when it enters it; entering again overwrites', async () => {
      await put(P, 'h', consumerSettings, T0, 'create');
      const [id] = await post('h', ['a']);
      expect(await timesOf('h', 'pending', id!, T0)).toEqual({});
      await reserve('h', 1, T0 + 1_000, null);
      expect(await timesOf('h', 'active', id!, T0 + 1_000)).toEqual({ active: T0 + 1_000 });
      expect(await store.failMessage(P, 'h', id!, 'boom', T0 + 2_000)).toBeNull();
      expect(await store.retryFailed(P, 'h', id!, T0 + 3_000)).toBe(1);
      expect(await timesOf('h', 'pending', id!, T0 + 3_000)).toEqual({
        active: T0 + 1_000,
        failed: T0 + 2_000,
        pending: T0 + 3_000,
      });
      await reserve('h', 1, T0 + 4_000, null);
      expect(await store.completeMessage(P, 'h', id!, T0 + 5_000)).toBeNull();
      expect(await timesOf('h', 'completed', id!, T0 + 5_000)).toEqual({
        active: T0 + 4_000,
        failed: T0 + 2_000,
        pending: T0 + 3_000,
        completed: T0 + 5_000,
      });
      // Retry of every failed message records its time too.
      const [other] = await post('h', ['b'], T0 + 6_000);
      expect(await store.failMessage(P, 'h', other!, 'no', T0 + 7_000)).toBeNull();
      expect(await store.retryFailed(P, 'h', null, T0 + 8_000)).toBe(1);
      expect(await timesOf('h', 'pending', other!, T0 + 8_000)).toEqual({
        failed: T0 + 7_000,
        pending: T0 + 8_000,
      });
    });

    test('status times of timers: delayed and failed when the reservation and its grace ran out, written or not', async () => {
      await put(P, 'h', consumerSettings, T0, 'create');
      const [id] = await post('h', ['a']);
      await reserve('h', 1, T0, null);
      // Read long after both timers fired: the times are when they fired, not when they were applied.
      const late = T0 + 500_000;
      expect(((await store.getMessage(P, 'h', id!, T0 + 40_000)) as Message).statusTimes).toEqual({
        active: T0,
        delayed: T0 + 30_000,
      });
      expect(await timesOf('h', 'failed', id!, late)).toEqual({
        active: T0,
        delayed: T0 + 30_000,
        failed: T0 + 60_000,
      });
      // Applied by the timers job, without a read of the queue: the same times.
      const [second] = await post('h', ['b'], late);
      await reserve('h', 1, late, null);
      expect(await store.applyTimers(late + 45_000, 10)).toBe(1);
      expect(await store.applyTimers(late + 90_000, 10)).toBe(1);
      expect(await timesOf('h', 'failed', second!, late + 100_000)).toEqual({
        active: late,
        delayed: late + 30_000,
        failed: late + 60_000,
      });
    });

    test('status times on an IronMQ queue: a released or timed-out reservation is pending again from then', async () => {
      const [id] = await post('q', ['a']);
      const [held] = await reserve('q', 1, T0);
      expect(held!.statusTimes).toEqual({ active: T0 });
      expect(
        await store.releaseMessage({
          projectId: P,
          name: 'q',
          id: id!,
          reservationId: held!.reservationId!,
          delaySeconds: 0,
          now: T0 + 5_000,
        }),
      ).toBeNull();
      expect(((await store.getMessage(P, 'q', id!, T0 + 5_000)) as Message).statusTimes).toEqual({
        active: T0,
        pending: T0 + 5_000,
      });
      const [again] = await reserve('q', 1, T0 + 6_000);
      expect(again!.statusTimes).toEqual({ active: T0 + 6_000, pending: T0 + 5_000 });
      // Its 30 s timeout ends at T0 + 36 s: pending from then, shown before and after a write applies it.
      expect(((await store.getMessage(P, 'q', id!, T0 + 40_000)) as Message).statusTimes).toEqual({
        active: T0 + 6_000,
        pending: T0 + 36_000,
      });
      const [third] = await reserve('q', 1, T0 + 41_000);
      expect(third!.statusTimes).toEqual({ active: T0 + 41_000, pending: T0 + 36_000 });
    });

    test('applyTimers moves held consumer messages on without waiting for a read of their queue', async () => {
      await put(P, 'c', consumerSettings, T0, 'create');
      await post('c', ['a', 'b']);
      await reserve('c', 2, T0, null);
      expect(await store.applyTimers(T0 + 1_000, 10)).toBe(0);
      expect(await store.applyTimers(T0 + 30_000, 10)).toBe(1);
      expect(await store.getQueue(P, 'c')).toMatchObject({ size: 2 });
      expect(await store.applyTimers(T0 + 60_000, 10)).toBe(1);
      // Both failed: out of size, without any read of the queue in between.
      expect(await store.getQueue(P, 'c')).toMatchObject({ size: 0 });
    });

    test('onAlertFired is called once per crossing, after the write that crossed committed', async () => {
      const fired: unknown[] = [];
      store.onAlertFired((alert) => fired.push(alert));
      await put(
        P,
        'watched',
        {
          ...DEFAULT_SETTINGS,
          alerts: [{ id: 'a1', type: 'fixed', direction: 'asc', trigger: 2, queue: 'alerts', snooze: 0 }],
        },
        T0,
        'create',
      );
      await post('watched', ['x']);
      expect(fired).toEqual([]);
      await post('watched', ['y', 'z']);
      expect(fired).toEqual([{ projectId: P, queue: 'watched', alertId: 'a1', size: 3 }]);
      await post('watched', ['more']);
      expect(fired).toHaveLength(1);
      expect(await store.getQueue(P, 'alerts')).toMatchObject({ size: 1 });
    });

    test('topic routes changed through another connection are seen by the next publish', async () => {
      await put(P, 'first', { ...DEFAULT_SETTINGS, topics: ['a/#'] }, T0, 'create');
      const message = [{ body: 'x', delay: 0, pushHeaders: null }];
      expect(Object.keys(await store.publish(P, 'a/1', message, T0))).toEqual(['first']);
      const other = await sibling();
      await other.putQueue({
        projectId: P,
        name: 'second',
        settings: { ...DEFAULT_SETTINGS, topics: ['a/+'] },
        now: T0,
        mode: 'create',
      });
      await other.deleteQueue(P, 'first');
      expect(Object.keys(await store.publish(P, 'a/1', message, T0))).toEqual(['second']);
    });

    // ---- SQS ----

    test('message attributes are kept with the message; its first reservation time is recorded once', async () => {
      const attributes = {
        city: { dataType: 'String', stringValue: 'Zürich' },
        blob: { dataType: 'Binary.gz', binaryValue: 'AAEC' },
      };
      const posted = await store.postMessages(
        P,
        'q',
        [
          { body: 'with', delay: 0, pushHeaders: null, attributes },
          { body: 'without', delay: 0, pushHeaders: null },
        ],
        T0,
      );
      const [withId, withoutId] = posted.ids;
      expect(await store.getMessage(P, 'q', withId!, T0)).toMatchObject({
        attributes,
        firstReservedAt: null,
      });
      expect(await store.getMessage(P, 'q', withoutId!, T0)).toMatchObject({ attributes: null });
      const [first] = await reserve('q', 1, T0 + 5);
      expect(first).toMatchObject({ id: withId, attributes, firstReservedAt: T0 + 5 });
      // A second reservation keeps the time of the first.
      const [again] = await reserve('q', 1, T0 + 31_000);
      expect(again).toMatchObject({ id: withId, reservedCount: 2, firstReservedAt: T0 + 5 });
      expect(await store.getMessage(P, 'q', withId!, T0 + 31_000)).toMatchObject({ firstReservedAt: T0 + 5 });
    });

    test('countMessages splits live messages into available, in flight and delayed, as time passes', async () => {
      expect(await store.countMessages(P, 'missing', T0)).toBeNull();
      await post('q', ['a', 'b', 'c']);
      await post('q', ['later'], T0, 60);
      await reserve('q', 1, T0, 30);
      expect(await store.countMessages(P, 'q', T0)).toEqual({ available: 2, inFlight: 1, delayed: 1 });
      // The reservation ends, with nothing written since: counted as available again.
      expect(await store.countMessages(P, 'q', T0 + 30_000)).toEqual({
        available: 3,
        inFlight: 0,
        delayed: 1,
      });
      expect(await store.countMessages(P, 'q', T0 + 60_000)).toEqual({
        available: 4,
        inFlight: 0,
        delayed: 0,
      });
      await store.clearMessages(P, 'q', T0);
      expect(await store.countMessages(P, 'q', T0)).toEqual({ available: 0, inFlight: 0, delayed: 0 });
      // On a consumer queue an ended reservation is overdue: still held.
      await put(P, 'c', consumerSettings, T0, 'create');
      await post('c', ['x']);
      await reserve('c', 1, T0, null);
      expect(await store.countMessages(P, 'c', T0 + 31_000)).toEqual({
        available: 0,
        inFlight: 1,
        delayed: 0,
      });
    });

    test('listDeadLetterSources lists the queues naming a dead-letter queue, in name order, paged', async () => {
      const toDlq = (queueName: string) => ({
        ...DEFAULT_SETTINGS,
        deadLetter: { queueName, maxReservations: 3 },
      });
      for (const name of ['b', 'a', 'c']) await put(P, name, toDlq('dlq'), T0, 'create');
      await put(P, 'other', toDlq('elsewhere'), T0, 'create');
      await put(OTHER, 'z', toDlq('dlq'), T0, 'create');
      const page = (after: string, limit: number) => store.listDeadLetterSources(P, 'dlq', { after, limit });
      expect(await page('', 10)).toEqual(['a', 'b', 'c']);
      expect(await page('a', 1)).toEqual(['b']);
      expect(await store.listDeadLetterSources(P, 'nobody', { after: '', limit: 10 })).toEqual([]);
      await put(P, 'b', DEFAULT_SETTINGS, T0, 'upsert');
      expect(await page('', 10)).toEqual(['a', 'c']);
    });

    test('SQS queue settings and tags are kept with the queue; a queue made elsewhere has none', async () => {
      const sqs = {
        delaySeconds: 5,
        receiveWaitSeconds: 20,
        maximumMessageSize: 1024,
        opaque: { Policy: '{}' },
      };
      await put(P, 's', { ...DEFAULT_SETTINGS, sqs, tags: { team: 'a' } }, T0, 'create');
      expect(await store.getQueue(P, 's')).toMatchObject({ sqs, tags: { team: 'a' } });
      expect(await store.getQueue(P, 'plain').then((q) => q)).toBeNull();
      await post('plain', ['x']);
      expect(await store.getQueue(P, 'plain')).toMatchObject({ sqs: null, tags: {} });
    });

    test('SQS keys: stored with their project and secret, listed, revoked once', async () => {
      await store.addSqsKey({ accessKeyId: 'K1', projectId: P, secret: 's1', name: 'ci', createdAt: T0 });
      await store.addSqsKey({
        accessKeyId: 'K2',
        projectId: OTHER,
        secret: 's2',
        name: 'x',
        createdAt: T0 + 1,
      });
      expect(await store.getSqsKey('K1')).toEqual({
        accessKeyId: 'K1',
        projectId: P,
        secret: 's1',
        name: 'ci',
        createdAt: T0,
        revokedAt: null,
      });
      expect(await store.getSqsKey('nope')).toBeNull();
      expect((await store.listSqsKeys()).map((k) => k.accessKeyId)).toEqual(['K1', 'K2']);
      expect((await store.listSqsKeys(OTHER)).map((k) => k.accessKeyId)).toEqual(['K2']);
      expect(await store.revokeSqsKey('K1', T0 + 5)).toBe(true);
      expect(await store.revokeSqsKey('K1', T0 + 6)).toBe(false);
      expect(await store.getSqsKey('K1')).toMatchObject({ revokedAt: T0 + 5 });
    });

    // ---- push deliveries ----

    const pushSettings = (
      type: 'multicast' | 'unicast',
      subscribers: string[],
      retries = 1,
    ): QueueSettings => ({
      ...DEFAULT_SETTINGS,
      type,
      push: {
        subscribers: subscribers.map((s) => ({
          name: s,
          url: `http://${s}.example/`,
          headers: { 'X-S': s },
        })),
        retries,
        retriesDelay: 10,
        errorQueue: 'errors',
      },
    });
    const claim = (now: number, limit = 10, perQueueLimit = 10) =>
      store.claimDeliveries({ now, limit, leaseMs: 5_000, perQueueLimit });
    const record = (
      task: { messageId: string; subscriber: string },
      result: DeliveryOutcome['result'],
      now: number,
      reservationId = 'r',
    ) =>
      store.recordDelivery({
        messageId: task.messageId,
        subscriber: task.subscriber,
        reservationId,
        result,
        now,
        retentionMs: 60_000,
      });

    test('claims lease due deliveries, with in-flight limits counted by the store; an attempt ends its lease', async () => {
      await put(P, 'm', pushSettings('multicast', ['a', 'b', 'c']), T0, 'create');
      const posted = await store.postMessages(
        P,
        'm',
        [1, 2].map((i) => ({ body: `m${i}`, delay: 0, pushHeaders: { 'X-M': String(i) } })),
        T0,
      );
      expect(posted.deliveries).toBe(6);
      expect(await store.nextDeliveryAt()).toBe(T0);
      const first = await claim(T0, 10, 4);
      expect(first).toHaveLength(4);
      expect(first[0]).toMatchObject({
        messageId: posted.ids[0],
        subscriber: 'a',
        url: 'http://a.example/',
        headers: { 'X-S': 'a' },
        body: 'm1',
        pushHeaders: { 'X-M': '1' },
        projectId: P,
        queueName: 'm',
        tries: 0,
        holdExpired: false,
      });
      // Four in flight for the queue: another claim (by any dispatcher) gets nothing more.
      expect(await claim(T0, 10, 4)).toEqual([]);
      expect(await record(first[0]!, { kind: 'delivered', statusCode: 200 }, T0)).toEqual({
        status: 'deleted',
        completed: false,
        errorQueue: null,
      });
      expect(await claim(T0, 10, 4)).toHaveLength(1);
      // Leases that end without an outcome (a crash) are due again, and no longer count as in flight.
      const again = await claim(T0 + 5_000, 10, 10);
      const [one, two] = posted.ids;
      expect(again.map((t) => `${t.messageId}/${t.subscriber}`).sort()).toEqual(
        [`${one}/b`, `${one}/c`, `${two}/a`, `${two}/b`, `${two}/c`].sort(),
      );
    });

    test('a failed attempt is retried after retries_delay, then ends in error and reports to the error queue', async () => {
      await put(P, 'm', pushSettings('multicast', ['a']), T0, 'create');
      const [id] = (await store.postMessages(P, 'm', [{ body: 'b', delay: 0, pushHeaders: null }], T0)).ids;
      const [task] = await claim(T0);
      const failed = { kind: 'failed' as const, statusCode: 500, error: 'boom' };
      expect(await record(task!, failed, T0)).toEqual({
        status: 'retrying',
        completed: false,
        errorQueue: null,
      });
      expect(await store.listDeliveries(P, 'm', id!)).toEqual([
        expect.objectContaining({ subscriber: 'a', status: 'retrying', tries: 1, retriesRemaining: 0 }),
      ]);
      expect(await store.nextDeliveryAt()).toBe(T0 + 10_000);
      expect(await claim(T0 + 9_999)).toEqual([]);
      const [retry] = await claim(T0 + 10_000);
      expect(retry).toMatchObject({ tries: 1 });
      expect(await record(retry!, failed, T0 + 10_000)).toEqual({
        status: 'error',
        completed: true,
        errorQueue: 'errors',
      });
      expect(await store.getQueue(P, 'm')).toMatchObject({ size: 0 });
      expect(await store.getQueue(P, 'errors')).toMatchObject({ size: 1 });
      expect(await record(retry!, failed, T0 + 10_000)).toBeNull();
      expect(await store.nextDeliveryAt()).toBeNull();
      expect(await store.listDeliveries(P, 'm', '999999')).toEqual({
        kind: 'message_not_found',
        id: '999999',
      });
      expect(await store.listDeliveries(P, 'nope', id!)).toEqual({ kind: 'queue_not_found' });
    });

    test('unicast passes a failed message to the next subscriber at once; one success ends the round', async () => {
      await put(P, 'u', pushSettings('unicast', ['a', 'b']), T0, 'create');
      await store.postMessages(P, 'u', [{ body: 'b', delay: 0, pushHeaders: null }], T0);
      const [toA] = await claim(T0);
      expect(toA!.subscriber).toBe('a');
      expect(await claim(T0)).toEqual([]);
      await record(toA!, { kind: 'failed', statusCode: null, error: 'refused' }, T0);
      const [toB] = await claim(T0);
      expect(toB!.subscriber).toBe('b');
      expect(await record(toB!, { kind: 'delivered', statusCode: 200 }, T0)).toEqual({
        status: 'deleted',
        completed: true,
        errorQueue: null,
      });
      expect(await store.nextDeliveryAt()).toBeNull();
    });

    test('a 202 holds the delivery until acknowledged with its reservation id', async () => {
      await put(P, 'm', pushSettings('multicast', ['a']), T0, 'create');
      const [id] = (await store.postMessages(P, 'm', [{ body: 'b', delay: 0, pushHeaders: null }], T0)).ids;
      const [task] = await claim(T0);
      expect(await record(task!, { kind: 'held', statusCode: 202 }, T0, 'hold-1')).toEqual({
        status: 'reserved',
        completed: false,
        errorQueue: null,
      });
      const ack = { projectId: P, name: 'm', messageId: id!, subscriber: 'a', now: T0, retentionMs: 60_000 };
      expect(await store.ackDelivery({ ...ack, reservationId: 'other' })).toEqual({
        kind: 'reservation_mismatch',
        id,
      });
      expect(await store.ackDelivery({ ...ack, name: 'nope', reservationId: 'hold-1' })).toEqual({
        kind: 'queue_not_found',
      });
      expect(await store.ackDelivery({ ...ack, subscriber: 'x', reservationId: 'hold-1' })).toEqual({
        kind: 'message_not_found',
        id,
      });
      expect(await store.ackDelivery({ ...ack, reservationId: 'hold-1' })).toEqual({
        completed: true,
        errorQueue: null,
      });
      expect(await store.listDeliveries(P, 'm', id!)).toEqual([
        expect.objectContaining({ status: 'deleted', statusCode: 202, reservationId: null }),
      ]);
    });
  });
}
