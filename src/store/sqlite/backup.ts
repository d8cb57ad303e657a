import Database from 'better-sqlite3';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SQLITE_MIGRATIONS_DIR } from './migrate';

/**
 * Online backup and offline restore of a SQLite data file. The server keeps running during a backup: the copy is
 * one `VACUUM INTO` (a single read transaction, so a consistent snapshot that writers in WAL mode never wait
 * for), checked with `integrity_check` before it gets its final name. SQLite's incremental backup API was not
 * used: it restarts from the first page whenever another connection writes, so under a steady load it may never
 * finish.
 */

/** What a backup or restore found in the copied file. */
export interface DataFileSummary {
  bytes: number;
  queues: number;
  messages: number;
  /** The last migration applied to the file (its schema version). */
  schema: string;
}

/** A file is not a sound Ferrite data file, or the operation would overwrite something it must not. */
export class DataFileRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileRefused';
  }
}

/** The worker's whole job: one statement on its own connection, off the main thread so progress can be drawn. */
const VACUUM_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.source, { fileMustExist: true, timeout: workerData.busyMs });
try {
  db.prepare('VACUUM INTO ?').run(workerData.target);
} finally {
  db.close();
}
parentPort.postMessage('done');
`;

/** How long the backup waits for a lock (a checkpoint or a migration holding the file) before failing. */
const BUSY_MS = 10_000;
/** How often the size of the copy is read for the progress callback. */
const PROGRESS_EVERY_MS = 100;

/**
 * Copies the data file `source` to `target` while the server may be writing to it. `onProgress(bytes, estimate)`
 * is called as the copy grows (the estimate is the used pages of the source). Refuses an existing `target` unless
 * `overwrite`. The copy is written next to `target`, checked, synced, then renamed into place, so `target` is
 * either the previous file or a whole, checked backup.
 */
export async function backupDataFile(
  source: string,
  target: string,
  options: { overwrite?: boolean; onProgress?: (bytes: number, estimate: number) => void } = {},
): Promise<DataFileSummary> {
  if (!existsSync(source)) throw new DataFileRefused(`No data file at ${source}`);
  if (samePath(source, target)) throw new DataFileRefused('The backup cannot be the data file itself');
  if (existsSync(target) && !options.overwrite) {
    throw new DataFileRefused(`${target} exists: give --force to replace it`);
  }
  const estimate = usedBytes(source);
  const partial = partialName(target);
  rmSync(partial, { force: true });
  // The bar starts at 0 % whatever the first timer tick finds (on a fast machine the copy is well along by then).
  options.onProgress?.(0, estimate);
  const timer = setInterval(() => options.onProgress?.(sizeOf(partial), estimate), PROGRESS_EVERY_MS);
  try {
    await vacuumInto(source, partial);
    const summary = checkDataFile(partial);
    options.onProgress?.(summary.bytes, summary.bytes);
    syncFile(partial);
    renameSync(partial, target);
    syncFile(path.dirname(path.resolve(target)));
    return summary;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    clearInterval(timer);
  }
}

/**
 * Puts the backup `source` in place as the data file `target` of a stopped server. Refuses a backup that is not
 * a sound Ferrite data file, or was made by a newer Ferrite; refuses an existing `target` unless `overwrite`, and
 * always refuses one that a running server has open. The old file's write-ahead log is removed with it (a stale
 * log applied to another file would corrupt it).
 */
export function restoreDataFile(
  source: string,
  target: string,
  options: { overwrite?: boolean } = {},
): DataFileSummary {
  if (!existsSync(source)) throw new DataFileRefused(`No backup at ${source}`);
  if (samePath(source, target)) throw new DataFileRefused('The backup is the data file itself');
  if (sizeOf(`${source}-wal`) > 0) {
    throw new DataFileRefused(
      `${source} has a write-ahead log next to it: it is a live data file, not a backup. Make one with \`ferrite backup\``,
    );
  }
  const summary = checkDataFile(source);
  const latest = latestMigration();
  if (migrationNumber(summary.schema) > migrationNumber(latest)) {
    throw new DataFileRefused(
      `The backup has schema ${summary.schema}, newer than this Ferrite knows (${latest}): restore it with the version that made it`,
    );
  }
  if (existsSync(target)) {
    if (!options.overwrite) {
      throw new DataFileRefused(`${target} exists: stop the server and give --force to replace it`);
    }
    if (inUse(target)) {
      throw new DataFileRefused(`${target} is open in a running server: stop it first`);
    }
  }
  const dir = path.dirname(path.resolve(target));
  if (!existsSync(dir)) throw new DataFileRefused(`No folder ${dir}`);
  const partial = partialName(target);
  try {
    copyFileSync(source, partial);
    syncFile(partial);
    // The old file's log and index go first: a crash between these steps leaves no log to misapply.
    rmSync(`${target}-wal`, { force: true });
    rmSync(`${target}-shm`, { force: true });
    rmSync(`${target}-journal`, { force: true });
    renameSync(partial, target);
    syncFile(dir);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return summary;
}

/** `integrity_check`, the migrations ledger and the counts of a closed data file; DataFileRefused if unsound. */
export function checkDataFile(file: string): DataFileSummary {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new DataFileRefused(`${file} cannot be opened as SQLite: ${(error as Error).message}`);
  }
  try {
    let integrity: string;
    try {
      integrity = db.pragma('integrity_check', { simple: true }) as string;
    } catch (error) {
      throw new DataFileRefused(`${file} is not a SQLite data file: ${(error as Error).message}`);
    }
    if (integrity !== 'ok') throw new DataFileRefused(`${file} fails integrity_check: ${integrity}`);
    const ledger = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (!ledger) throw new DataFileRefused(`${file} is a SQLite file, but not a Ferrite data file`);
    const schema = db.prepare('SELECT max(id) FROM schema_migrations').pluck().get() as string | null;
    if (schema === null) throw new DataFileRefused(`${file} has no schema (never migrated)`);
    return {
      bytes: statSync(file).size,
      queues: db.prepare('SELECT count(*) FROM queues').pluck().get() as number,
      messages: db.prepare('SELECT count(*) FROM messages').pluck().get() as number,
      schema,
    };
  } finally {
    db.close();
  }
}

/**
 * Whether another connection (a running server) has the file open. In WAL mode every open connection keeps a
 * shared lock on the database file, so an exclusive lock taken without waiting fails exactly when one exists.
 */
export function inUse(file: string): boolean {
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return false;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    db.close();
  }
}

function vacuumInto(source: string, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(VACUUM_WORKER, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), source, target, busyMs: BUSY_MS },
    });
    let done = false;
    worker.once('message', () => (done = true));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (done) resolve();
      else reject(new Error(`the backup stopped (worker exit code ${code})`));
    });
  });
}

/** Pages in use (not on the free list) times the page size: about the size of the compacted copy. */
function usedBytes(file: string): number {
  // Read-write, though it only reads: a read-only connection to a WAL file leaves -wal and -shm files behind.
  const db = new Database(file, { fileMustExist: true, timeout: BUSY_MS });
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

/** The newest migration this build knows. */
function latestMigration(): string {
  const files = readdirSync(SQLITE_MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_.+\.sql$/.test(file))
    .sort();
  return (files.at(-1) ?? '').replace(/\.sql$/, '');
}

function migrationNumber(id: string): number {
  return Number(/^\d+/.exec(id)?.[0] ?? 0);
}

function partialName(target: string): string {
  return `${target}.partial`;
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** fsync a file or a folder (so a rename in it is durable). */
function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
