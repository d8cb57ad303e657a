import { ServerBusy } from '../domain/errors';

/**
 * Long-poll parking. A reserve with `wait` that finds nothing parks here until a post or release on its queue
 * wakes it, its own timer fires, or the server shuts down. Wake-ups go to as many waiters as messages arrived,
 * oldest first, so one post does not stampede a thousand waiters into the store.
 */
export class Waiters {
  private readonly parked = new Map<string, Set<Parked>>();
  private count = 0;
  private closed = false;

  /**
   * @param limit how many requests may be parked at once (FERRITE_MAX_LONG_POLLS); each holds a connection
   *   and a timer, so an unbounded number would let idle consumers exhaust the server.
   */
  constructor(private readonly limit = Number.POSITIVE_INFINITY) {}

  /**
   * Resolves after `ms`, on a wake-up for `key`, on `signal` abort, or on shutdown; whichever comes first.
   * Rejects with ServerBusy, at once, when `limit` requests are already parked.
   */
  wait(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted || ms <= 0) return Promise.resolve();
    if (this.count >= this.limit) {
      return Promise.reject(new ServerBusy('Too many long polls are waiting; retry later'));
    }
    return new Promise((resolve) => {
      let done = false;
      const entry: Parked = {
        wake: () => {
          if (done) return;
          done = true;
          this.count--;
          clearTimeout(timer);
          signal?.removeEventListener('abort', entry.wake);
          this.parked.get(key)?.delete(entry);
          if (this.parked.get(key)?.size === 0) this.parked.delete(key);
          resolve();
        },
      };
      const timer = setTimeout(entry.wake, ms);
      signal?.addEventListener('abort', entry.wake);
      let set = this.parked.get(key);
      if (!set) this.parked.set(key, (set = new Set()));
      set.add(entry);
      this.count++;
    });
  }

  /** Wakes up to `count` waiters of `key`, oldest first. */
  notify(key: string, count: number): void {
    const set = this.parked.get(key);
    if (!set) return;
    // Take the oldest `count` first (waking removes them from the set), without copying the whole set.
    const woken: Parked[] = [];
    for (const entry of set) {
      if (woken.length >= count) break;
      woken.push(entry);
    }
    for (const entry of woken) entry.wake();
  }

  /** How many requests are parked, over all queues. */
  get size(): number {
    return this.count;
  }

  /** Wakes everyone and refuses new waits: used on shutdown so long polls answer with what they have. */
  close(): void {
    this.closed = true;
    for (const set of [...this.parked.values()]) for (const entry of [...set]) entry.wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

interface Parked {
  wake: () => void;
}

export function queueKey(projectId: string, name: string): string {
  return `${projectId}\u0000${name}`;
}
