import { accessSync, closeSync, constants as fsConstants, existsSync, mkdirSync, openSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Creates the data folder and checks that the data file, its folder and its WAL files can be written (root
 * included): SQLite silently opens a file it may not write read-only, and the server would then refuse every
 * write. Throws EROFS/EPERM/EACCES with the path instead.
 */
export function prepareDataFile(file: string): void {
  const dir = path.dirname(path.resolve(file));
  makeFolder(dir);
  accessSync(dir, fsConstants.W_OK);
  for (const each of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(each)) closeSync(openSync(each, 'r+'));
  }
}

/**
 * Creates `dir` and its missing parents one level at a time. Node's `mkdirSync(…, { recursive: true })` spins
 * forever where mkdir answers ENOENT for a parent that exists (a path under /proc), hanging the start.
 */
function makeFolder(dir: string): void {
  if (existsSync(dir)) return;
  makeFolder(path.dirname(dir));
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** A file's size in bytes; 0 when it does not exist (no WAL between a TRUNCATE checkpoint and the next write). */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}
