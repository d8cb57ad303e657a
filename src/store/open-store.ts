import os from 'node:os';
import path from 'node:path';
import { soleNode, type NodeRole } from './leadership';
import { LocalWakeups } from './local-wakeups';
import { LeaderLease } from './postgres/leader-lease';
import { PgWakeups } from './postgres/pg-wakeups';
import { openPostgresStore } from './postgres/postgres-store';
import { openSqliteStore } from './sqlite/sqlite-store';
import type { Store } from './store';
import type { StoreConfig } from './store-config';
import type { Wakeups } from './wakeups';

/** A backend, opened: its store, the wake-ups its long polls wait on, and this node's role among nodes. */
export interface OpenedStore {
  store: Store;
  wakeups: Wakeups;
  node: NodeRole;
}

export interface OpenOptions {
  /** Stamps applied migrations. */
  now: number;
  /** How many long polls may be parked at once (FERRITE_MAX_LONG_POLLS). */
  maxWaiters: number;
  /** The clock the maintenance lease is timed with (the server's injected clock). */
  clock: () => number;
  /** Takes part in the maintenance election (a server does; a CLI command does not). */
  elect?: boolean;
  /** Where the store reports what it does on its own (lost connections). */
  log?: (level: 'warn' | 'info', message: string, meta?: Record<string, unknown>) => void;
  /** SQLite: 'inline' keeps writes on this thread (short-lived tools); the server uses its writer thread. */
  writer?: 'thread' | 'inline';
}

/** Opens (and migrates) the configured backend; throws a message naming what could not be opened. */
export async function openStore(config: StoreConfig, options: OpenOptions): Promise<OpenedStore> {
  switch (config.kind) {
    case 'sqlite': {
      try {
        const store = await openSqliteStore({
          file: config.file,
          durability: config.durability,
          now: options.now,
          writer: options.writer,
        });
        return {
          store,
          wakeups: new LocalWakeups(options.maxWaiters),
          node: soleNode(config.nodeId ?? os.hostname()),
        };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const code = (error as { code?: unknown }).code;
        throw new Error(
          `cannot open the data file ${path.resolve(config.file)} for writing: ${reason}` +
            (typeof code === 'string' && !reason.includes(code) ? ` (${code})` : ''),
          { cause: error },
        );
      }
    }
    case 'postgres': {
      let wakeups: PgWakeups | null = null;
      let store;
      try {
        store = await openPostgresStore({
          url: config.url,
          poolSize: config.poolSize,
          statementTimeoutMs: config.statementTimeoutMs,
          connectTimeoutMs: config.connectTimeoutMs,
          listen: config.listen,
          now: options.now,
          onNotice: (notice) => wakeups?.received(notice),
          log: options.log,
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`cannot open the database ${redact(config.url)}: ${reason}`, { cause: error });
      }
      const opened = store;
      wakeups = new PgWakeups(
        options.maxWaiters,
        (key, count) => opened.publishWakeup(key, count),
        () => opened.channel.connected,
        config.pollMs,
      );
      const node =
        options.elect === false
          ? soleNode(config.nodeId)
          : new LeaderLease(config.nodeId, opened.pool, options.clock);
      if (node instanceof LeaderLease) await node.start();
      return { store, wakeups, node };
    }
  }
}

/** A database URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}
