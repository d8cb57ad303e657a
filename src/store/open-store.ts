import path from 'node:path';
import { LocalWakeups } from './local-wakeups';
import { openSqliteStore } from './sqlite/sqlite-store';
import type { Store } from './store';
import type { StoreConfig } from './store-config';
import type { Wakeups } from './wakeups';

/** A backend, opened: its store and the wake-ups its long polls wait on. */
export interface OpenedStore {
  store: Store;
  wakeups: Wakeups;
}

export interface OpenOptions {
  /** Stamps applied migrations. */
  now: number;
  /** How many long polls may be parked at once (FERRITE_MAX_LONG_POLLS). */
  maxWaiters: number;
}

/** Opens (and migrates) the configured backend; throws a message naming what could not be opened. */
export function openStore(config: StoreConfig, options: OpenOptions): OpenedStore {
  switch (config.kind) {
    case 'sqlite': {
      try {
        const store = openSqliteStore({ file: config.file, durability: config.durability, now: options.now });
        return { store, wakeups: new LocalWakeups(options.maxWaiters) };
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
  }
}
