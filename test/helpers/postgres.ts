import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The migrated database every test file's own database is copied from (postgres-global-setup.ts). */
export const TEMPLATE_DATABASE = 'ferrite_template';

/** The test run's PostgreSQL server (started by jest's globalSetup), as a URL to its `postgres` database. */
export function postgresUrl(): string {
  const url = process.env.FERRITE_TEST_POSTGRES_URL;
  if (!url)
    throw new Error(
      'FERRITE_TEST_POSTGRES_URL is unset: run the tests with jest (globalSetup starts PostgreSQL)',
    );
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Deletes every row (ids start again), for a test that wants an empty database. */
  truncate(): Promise<void>;
  drop(): Promise<void>;
}

const TABLES =
  'projects, tokens, queues, messages, push_deliveries, alert_state, queue_topics, server_settings';

/** A database of its own for one test file, copied from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ferrite_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  const url = postgresUrl().replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    name,
    async truncate() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`TRUNCATE ${TABLES} RESTART IDENTITY CASCADE`);
      } finally {
        await client.end();
      }
    },
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The store settings a test opens its database with. */
export function postgresOptions(url: string, now = 0) {
  return {
    url,
    poolSize: 5,
    statementTimeoutMs: 5_000,
    connectTimeoutMs: 2_000,
    listen: true,
    now,
  };
}
