import type { FiredAlert } from '../store';
import type { CommitCounters } from './group-commit';
import type { WriteCall } from './operations';

/** Messages between the store (its thread) and the writer thread. Everything in them is structured-clonable. */

export type ToWriter =
  | { type: 'writes'; writes: { id: number; call: WriteCall }[] }
  | { type: 'counters' }
  /** Commit what was sent, close the connection, exit. */
  | { type: 'close' };

export type FromWriter =
  | { type: 'ready' }
  /** One group's answers, after its COMMIT, with the alerts its writes fired. */
  | { type: 'results'; results: WriteResult[]; alerts: FiredAlert[] }
  | { type: 'counters'; counters: CommitCounters }
  | { type: 'closed' };

export type WriteResult =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** An error crossing the thread boundary (classes do not survive structured cloning). */
export interface WireError {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: string | undefined;
  /** The store cannot write now (StoreUnavailable): the caller may retry. */
  unavailable: boolean;
}
