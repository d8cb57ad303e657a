import { ServerBusy } from '../domain/errors';
import type { WakeupWatch, Wakeups } from './wakeups';

interface Parked {
  wake: () => void;
}

interface Entry {
  sequence: number;
  /** Open watches: the entry (and its sequence) lives while someone may compare against it. */
  watchers: number;
  /** Parked waiters in arrival order (a Set keeps insertion order). */
  parked: Set<Parked>;
}

/**
 * Wake-ups within one process. Keys exist only while watched, so a notify on a queue nobody polls costs a map
 * lookup and keeps nothing.
 */
export class LocalWakeups implements Wakeups {
  private readonly entries = new Map<string, Entry>();
  private count = 0;
  private isClosed = false;

  /**
   * @param limit how many requests may be parked at once (FERRITE_MAX_LONG_POLLS); each holds a connection
   *   and a timer, so an unbounded number would let idle consumers exhaust the server.
   */
  constructor(private readonly limit = Number.POSITIVE_INFINITY) {}

  watch(key: string): WakeupWatch {
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { sequence: 0, watchers: 0, parked: new Set() }));
    entry.watchers++;
    const owner = entry;
    let ended = false;
    return {
      get sequence() {
        return owner.sequence;
      },
      wait: (since, ms, signal) => this.park(owner, since, ms, signal),
      end: () => {
        if (ended) return;
        ended = true;
        owner.watchers--;
        this.forgetIfUnused(key, owner);
      },
    };
  }

  notify(key: string, count: number): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.sequence++;
    // Take the oldest `count` first (waking removes them from the set), without copying the whole set.
    const woken: Parked[] = [];
    for (const parked of entry.parked) {
      if (woken.length >= count) break;
      woken.push(parked);
    }
    for (const parked of woken) parked.wake();
  }

  get parked(): number {
    return this.count;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    this.isClosed = true;
    for (const entry of [...this.entries.values()]) for (const parked of [...entry.parked]) parked.wake();
  }

  private park(entry: Entry, since: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.isClosed || signal?.aborted || ms <= 0 || entry.sequence !== since) return Promise.resolve();
    if (this.count >= this.limit) {
      return Promise.reject(new ServerBusy('Too many long polls are waiting; retry later'));
    }
    return new Promise((resolve) => {
      let done = false;
      const parked: Parked = {
        wake: () => {
          if (done) return;
          done = true;
          this.count--;
          clearTimeout(timer);
          signal?.removeEventListener('abort', parked.wake);
          entry.parked.delete(parked);
          resolve();
        },
      };
      const timer = setTimeout(parked.wake, ms);
      signal?.addEventListener('abort', parked.wake);
      entry.parked.add(parked);
      this.count++;
    });
  }

  private forgetIfUnused(key: string, entry: Entry): void {
    if (entry.watchers === 0 && entry.parked.size === 0 && this.entries.get(key) === entry) {
      this.entries.delete(key);
    }
  }
}
