import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** migrations/sqlite, from both src/ (ts-jest) and dist/ (built): three levels up from this file's folder. */
export const SQLITE_MIGRATIONS_DIR = path.resolve(__dirname, '../../../migrations/sqlite');

/**
 * Applies every numbered migration not yet recorded in schema_migrations, each in its own transaction.
 * Returns the ids applied. Migrations are append-only: an applied file is never run again.
 */
export function migrate(db: Database.Database, now: number, dir = SQLITE_MIGRATIONS_DIR): string[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT',
  );
  const applied = new Set(
    db
      .prepare('SELECT id FROM schema_migrations')
      .pluck()
      .all()
      .map((id) => String(id)),
  );
  const files = readdirSync(dir)
    .filter((file) => /^\d{4}_.+\.sql$/.test(file))
    .sort();
  const done: string[] = [];
  for (const file of files) {
    const id = file.replace(/\.sql$/, '');
    if (applied.has(id)) continue;
    const sql = readFileSync(path.join(dir, file), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(id, now);
    })();
    done.push(id);
  }
  return done;
}
