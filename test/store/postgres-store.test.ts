import { Client } from 'pg';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/limits';
import { openPostgresStore } from '../../src/store/postgres/postgres-store';
import { createTestDatabase, postgresOptions, type TestDatabase } from '../helpers/postgres';
import { describeStoreContract } from './store-contract';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describeStoreContract('PostgreSQL', {
  open: async () => {
    await db.truncate();
    return openPostgresStore(postgresOptions(db.url));
  },
  sibling: () => openPostgresStore(postgresOptions(db.url)),
});

describe('PostgreSQL specifics', () => {
  test('a body PostgreSQL cannot store (U+0000) is refused as bad input, and the requests beside it commit', async () => {
    await db.truncate();
    const store = await openPostgresStore(postgresOptions(db.url));
    try {
      const P = 'aaaaaaaaaaaaaaaaaaaaaaaa';
      await store.createProject({ id: P, name: 'p', createdAt: 0 });
      await store.postMessages(P, 'q', [{ body: 'first', delay: 0, pushHeaders: null }], 0);
      const [bad, good] = await Promise.allSettled([
        store.postMessages(P, 'q', [{ body: 'a\u0000b', delay: 0, pushHeaders: null }], 0),
        store.postMessages(P, 'q', [{ body: 'beside', delay: 0, pushHeaders: null }], 0),
      ]);
      expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'invalid_input' } });
      expect(good.status).toBe('fulfilled');
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 2, totalMessages: 2 });
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL batches', () => {
  test("a batch that is a deadlock's victim runs again instead of answering 503", async () => {
    await db.truncate();
    const store = await openPostgresStore(postgresOptions(db.url));
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      const P = 'aaaaaaaaaaaaaaaaaaaaaaaa';
      await store.createProject({ id: P, name: 'p', createdAt: 0 });
      const [id] = (await store.postMessages(P, 'q', [{ body: 'x', delay: 0, pushHeaders: null }], 0)).ids;
      // Another transaction holds the queue row; the batched delete locks the message row, then waits for the
      // queue row; the other transaction then asks for the message row. PostgreSQL breaks the cycle by failing
      // one side: the batch, whose deadlock_timeout runs out first.
      await other.query('BEGIN');
      await other.query("SET LOCAL deadlock_timeout = '30s'");
      await other.query("UPDATE queues SET updated_at = updated_at WHERE name = 'q'");
      const deleted = store.deleteMessages(P, 'q', [{ id: id!, reservationId: null }], 0);
      for (let waited = 0; ; waited += 10) {
        const { rows } = await other.query<{ n: string }>(
          'SELECT count(*) AS n FROM pg_locks WHERE NOT granted',
        );
        if (Number(rows[0]!.n) > 0) break;
        if (waited > 5_000) throw new Error('the delete never waited for the queue row');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await other.query(
        "UPDATE messages SET updated_at = updated_at WHERE queue_id = (SELECT id FROM queues WHERE name = 'q')",
      );
      await other.query('COMMIT');
      await expect(deleted).resolves.toBeNull();
      expect(await store.getQueue(P, 'q')).toMatchObject({ size: 0, totalMessages: 1 });
    } finally {
      await other.end();
      await store.close();
    }
  });
});

describe('PostgreSQL concurrency between nodes', () => {
  test('two subscribers finishing at the same time on two nodes: the round completes exactly once', async () => {
    await db.truncate();
    const a = await openPostgresStore(postgresOptions(db.url));
    const b = await openPostgresStore(postgresOptions(db.url));
    try {
      const P = 'aaaaaaaaaaaaaaaaaaaaaaaa';
      await a.createProject({ id: P, name: 'p', createdAt: 0 });
      const subscribers = ['s1', 's2'].map((name) => ({ name, url: `http://${name}.example/`, headers: {} }));
      await a.putQueue({
        projectId: P,
        name: 'm',
        settings: {
          ...DEFAULT_QUEUE_SETTINGS,
          type: 'multicast',
          push: { subscribers, retries: 0, retriesDelay: 60, errorQueue: null },
        },
        now: 0,
        mode: 'create',
      });
      let completions = 0;
      for (let round = 0; round < 20; round++) {
        await a.postMessages(P, 'm', [{ body: `r${round}`, delay: 0, pushHeaders: null }], 0);
        const tasks = await a.claimDeliveries({ now: 0, limit: 10, leaseMs: 10_000, perQueueLimit: 10 });
        expect(tasks).toHaveLength(2);
        // Each node records one subscriber's success at the same moment.
        const outcomes = await Promise.all(
          tasks.map((task, i) =>
            (i === 0 ? a : b).recordDelivery({
              messageId: task.messageId,
              subscriber: task.subscriber,
              reservationId: 'r',
              result: { kind: 'delivered', statusCode: 200 },
              now: 0,
              retentionMs: 60_000,
            }),
          ),
        );
        const completed = outcomes.filter((o) => o?.completed).length;
        expect(completed).toBe(1);
        completions += completed;
      }
      expect(completions).toBe(20);
      expect(await a.getQueue(P, 'm')).toMatchObject({ size: 0, totalMessages: 20 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
