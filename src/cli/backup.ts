import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import {
  DataFileRefused,
  backupDataFile,
  restoreDataFile,
  type DataFileSummary,
} from '../store/sqlite/backup';
import { ProgressBar, type ProgressSink } from './client/progress';
import type { Clock } from '../engine/clock';

export const DATA_FILE_COMMANDS = ['backup', 'restore'] as const;
export type DataFileCommand = (typeof DATA_FILE_COMMANDS)[number];

export function isDataFileCommand(word: string | undefined): word is DataFileCommand {
  return (DATA_FILE_COMMANDS as readonly string[]).includes(word ?? '');
}

export const DATA_FILE_USAGE = `Backup and restore (the data file FERRITE_DB_FILE; SQLite only):

  backup <file> [--force] [--quiet]    copy the data file to <file> while the server runs and writes: a
                                       consistent snapshot, checked with integrity_check, with progress
  restore <file> [--force]             put the backup <file> in place as the data file of a STOPPED server;
                                       --force replaces an existing data file (never one a server has open)
`;

const MIB = 1024 * 1024;

/** What backup and restore read and write; the admin commands' CliIo fits it. */
export interface DataFileIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Where the progress bar goes; default stderr (redrawn in place on a terminal). */
  progress?: ProgressSink;
}

/** Runs `backup` or `restore`; returns the exit code: 0 done, 1 refused or failed, 2 bad usage. */
export async function runDataFileCommand(argv: string[], io: DataFileIo): Promise<number> {
  const [command, ...rest] = argv;
  let file: string;
  let force: boolean;
  let quiet: boolean;
  try {
    if (!isDataFileCommand(command)) throw new Error(`Unknown command: ${command ?? ''}`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { force: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
    });
    if (positionals.length !== 1 || positionals[0] === '') {
      throw new Error(`${command} needs exactly one file, got ${positionals.length}`);
    }
    file = positionals[0]!;
    force = values.force === true;
    quiet = values.quiet === true;
  } catch (error) {
    io.err(`ferrite ${command ?? ''}: ${(error as Error).message}`);
    io.err(DATA_FILE_USAGE);
    return 2;
  }
  const store = loadConfig(io.env).store;
  if (store.kind !== 'sqlite') {
    io.err(
      `ferrite ${command}: the store is PostgreSQL (FERRITE_DATABASE_URL): back it up with pg_dump or ` +
        'pg_basebackup, and restore with its own tools (README "Backup and restore")',
    );
    return 2;
  }
  const dataFile = store.file;
  if (dataFile === ':memory:') {
    io.err(`ferrite ${command}: FERRITE_DB_FILE is :memory:, there is no file to ${command}`);
    return 2;
  }

  const started = io.clock.now();
  try {
    if (command === 'backup') {
      // Drawn against the first estimate (the used pages of the data file), so it never jumps back.
      let bar: { bar: ProgressBar; total: number } | null = null;
      const summary = await backupDataFile(dataFile, file, {
        overwrite: force,
        onProgress: (bytes, estimate) => {
          if (quiet) return;
          bar ??= {
            bar: new ProgressBar(io.progress ?? stderrSink(io), estimate, 'MiB', mib),
            total: estimate,
          };
          bar.bar.update(bytes);
        },
      });
      const drawn = bar as { bar: ProgressBar; total: number } | null;
      drawn?.bar.update(drawn.total);
      drawn?.bar.finish();
      io.out(`Backed up ${dataFile} to ${file}: ${describe(summary, io.clock.now() - started)}.`);
    } else {
      const summary = restoreDataFile(file, dataFile, { overwrite: force });
      io.out(`Restored ${file} into ${dataFile}: ${describe(summary, io.clock.now() - started)}.`);
      io.out('Start the server to serve it.');
    }
    return 0;
  } catch (error) {
    if (!(error instanceof DataFileRefused)) throw error;
    io.err(`ferrite ${command}: ${error.message}`);
    return 1;
  }
}

function describe(summary: DataFileSummary, ms: number): string {
  const count = new Intl.NumberFormat('en-US');
  return (
    `${mib(summary.bytes)} MiB, ${count.format(summary.queues)} queue${summary.queues === 1 ? '' : 's'}, ` +
    `${count.format(summary.messages)} message${summary.messages === 1 ? '' : 's'}, schema ${summary.schema}, ` +
    `integrity ok, in ${(ms / 1000).toFixed(1)} s`
  );
}

function mib(bytes: number): string {
  return (bytes / MIB).toFixed(1);
}

function stderrSink(io: DataFileIo): ProgressSink {
  if (process.stderr.isTTY) return { interactive: true, write: (text) => process.stderr.write(text) };
  return { interactive: false, write: (text) => io.err(text.replace(/\n$/, '')) };
}
