import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClientBase } from 'pg';

/** migrations/postgres, from both src/ (ts-jest) and dist/ (built): three levels up from this file's folder. */
export const POSTGRES_MIGRATIONS_DIR = path.resolve(__dirname, '../../../migrations/postgres');

/** The session advisory lock that lets one node migrate at a time when several start together. */
const MIGRATION_LOCK_KEY = 0x46_45_52_00;

/**
 * Applies every numbered migration not yet recorded in schema_migrations, each in its own transaction, under an
 * advisory lock so nodes starting together migrate once. The ledger is SQLite's: one id means the same schema
 * step on both backends. Returns the ids applied.
 */
export async function migrate(
  client: ClientBase,
  now: number,
  dir = POSTGRES_MIGRATIONS_DIR,
): Promise<string[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at bigint NOT NULL)',
    );
    const applied = new Set(
      (await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id),
    );
    const files = readdirSync(dir)
      .filter((file) => /^\d{4}_.+\.sql$/.test(file))
      .sort();
    const done: string[] = [];
    for (const file of files) {
      const id = file.replace(/\.sql$/, '');
      if (applied.has(id)) continue;
      const sql = readFileSync(path.join(dir, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [id, now]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${id} failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      done.push(id);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}
