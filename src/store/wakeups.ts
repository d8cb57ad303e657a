/**
 * Wake-ups for long polls, per queue key. A reserve that found nothing parks until a write that may have made
 * something available (a post, a release, a freed slot) notifies its key.
 *
 * The sequence number makes a lost wake-up impossible: the reserve reads `watch.sequence` *before* it looks for
 * messages, and `wait(since)` returns at once when the key was notified after that, so a message committed
 * between "nothing there" and "parked" is never missed — however long the store call in between takes (ElasticMQ
 * re-checks its waiters on every send for the same reason). In one process the implementation is
 * `LocalWakeups`; a backend shared by several processes delivers other processes' notifications into it.
 */
export interface Wakeups {
  /** Starts following `key`'s wake-ups; `end()` the watch when done (a watch holds a little memory). */
  watch(key: string): WakeupWatch;
  /** Wakes up to `count` parked waiters of `key`, oldest first, and moves its sequence on for every watcher. */
  notify(key: string, count: number): void;
  /** How many requests are parked, over all keys. */
  readonly parked: number;
  readonly closed: boolean;
  /** Wakes everyone and refuses new waits: on shutdown, long polls answer with what they have. */
  close(): void;
}

export interface WakeupWatch {
  /** How many wake-ups the key has had since the watch began. Read it before looking for work. */
  readonly sequence: number;
  /**
   * Resolves when the key is notified after `since`, at once if it already was; else after `ms`, on `signal`
   * abort, or on close. Rejects with ServerBusy, at once, when the parking limit is reached.
   */
  wait(since: number, ms: number, signal?: AbortSignal): Promise<void>;
  end(): void;
}

/** The key of a queue's wake-ups. */
export function queueKey(projectId: string, name: string): string {
  return `${projectId}\u0000${name}`;
}
