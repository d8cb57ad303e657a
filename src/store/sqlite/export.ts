import Database from 'better-sqlite3';

/** Reads a SQLite data file's tables for `ferrite copy`, without writing to it (safe beside a running server). */
export interface ExportSource {
  readonly db: Database.Database;
  /** Rows in a table. */
  count(table: string): number;
  /** The highest id a table ever gave (AUTOINCREMENT's counter, or the largest id). */
  highestId(table: string): number;
  close(): void;
}

export function openExport(file: string): ExportSource {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  return {
    db,
    count: (table) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number,
    highestId(table) {
      const counter = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(table) as
        number | undefined;
      const largest = db.prepare(`SELECT max(id) FROM ${table}`).pluck().get() as number | null;
      return Math.max(counter ?? 0, largest ?? 0);
    },
    close: () => db.close(),
  };
}

/** Rows of a table in batches, in insertion order (rowid: the order topic filters were set in, too). */
export function* exportTable(
  source: ExportSource,
  table: string,
  columns: readonly string[],
  batchSize = 1000,
): Generator<Record<string, unknown>[]> {
  // Params: after rowid, limit. Table and column names are the fixed list of COPIED_TABLES.
  const page = source.db.prepare(
    `SELECT rowid AS _rowid, ${columns.join(', ')} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  let after = 0;
  for (;;) {
    const rows = page.all(after, batchSize) as (Record<string, unknown> & { _rowid: number })[];
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!._rowid;
    yield rows.map(({ _rowid, ...row }) => row);
  }
}
