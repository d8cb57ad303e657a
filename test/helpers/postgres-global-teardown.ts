import type { PostgresServer } from '../../bench/lib/postgres-server';

/** Stops the test run's PostgreSQL server and deletes its data (jest globalTeardown). */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { ferritePostgres?: PostgresServer }).ferritePostgres?.destroy();
}
