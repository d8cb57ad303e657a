import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * Direct reads of the data file, for checks that the API cannot make: whether anything at all changed, whether
 * the counters match a recount, and whether SQLite finds the file intact.
 */

/**
 * Everything a request could change: every row of every table, hashed. The suites move the FakeClock before
 * each request, so a write shows even when it leaves the counts alone; new tables are covered as they come.
 */
export function fingerprint(db: Database.Database): string {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all() as string[];
  const hash = createHash('sha256');
  for (const table of tables) {
    hash.update(table);
    for (const row of db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).raw().iterate()) {
      hash.update(JSON.stringify(row));
    }
  }
  return hash.digest('hex');
}

/** `PRAGMA integrity_check` and `foreign_key_check`: 'ok' when the file is sound. */
export function integrity(db: Database.Database): string {
  const result = db.pragma('integrity_check', { simple: true }) as string;
  const foreign = db.pragma('foreign_key_check') as unknown[];
  return foreign.length === 0 ? result : `${result}; ${foreign.length} foreign key violations`;
}

export interface CounterMismatch {
  queue: string;
  size: number;
  recount: number;
}

/** Queues whose `size` differs from a count of their live rows (states 0–3, not yet expired away). */
export function sizeMismatches(db: Database.Database): CounterMismatch[] {
  return db
    .prepare(
      `SELECT q.name AS queue, q.size AS size,
         (SELECT count(*) FROM messages m WHERE m.queue_id = q.id AND m.state <= 3) AS recount
       FROM queues q`,
    )
    .all()
    .filter((row) => (row as CounterMismatch).size !== (row as CounterMismatch).recount) as CounterMismatch[];
}
