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
