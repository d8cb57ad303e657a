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
