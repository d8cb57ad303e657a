import { LocalWakeups } from '../local-wakeups';
import type { WakeupWatch, Wakeups } from '../wakeups';
import type { Notice } from './notifications';

/**
 * Wake-ups shared by every node of one database. A notify wakes this node's waiters at once and is published
 * to the other nodes with the next commit (one NOTIFY per commit); what other nodes publish arrives as a
 * `wake` notice and wakes waiters here. Sequence numbers (LocalWakeups) make a wake-up that arrives between a
 * reserve's look and its park count, so none is lost; when the listening connection was lost, every watched
 * key is woken on reconnection, so every parked reserve looks again.
 *
 * In poll mode (no LISTEN), or while the channel is down, a parked reserve waits at most `pollMs` before it
 * looks again: correct, with latency bounded by the poll interval.
 */
export class PgWakeups implements Wakeups {
  private readonly local: LocalWakeups;
  /** Watched keys and how many watches each has: the keys to wake after a reconnection. */
  private readonly watched = new Map<string, number>();

  constructor(
    limit: number,
    private readonly publish: (key: string, count: number) => void,
    private readonly listening: () => boolean,
    private readonly pollMs: number,
  ) {
    this.local = new LocalWakeups(limit);
  }

  watch(key: string): WakeupWatch {
    const inner = this.local.watch(key);
    this.watched.set(key, (this.watched.get(key) ?? 0) + 1);
    let ended = false;
    return {
      get sequence() {
        return inner.sequence;
      },
      wait: (since, ms, signal) =>
        inner.wait(since, this.listening() ? ms : Math.min(ms, this.pollMs), signal),
      end: () => {
        if (ended) return;
        ended = true;
        inner.end();
        const left = (this.watched.get(key) ?? 1) - 1;
        if (left > 0) this.watched.set(key, left);
        else this.watched.delete(key);
      },
    };
  }

  notify(key: string, count: number): void {
    this.local.notify(key, count);
    this.publish(key, count);
  }

  /** What the notification channel heard. */
  received(notice: Notice): void {
    if (notice.kind === 'wake') {
      for (const [key, count] of notice.keys) this.local.notify(key, count);
    } else if (notice.kind === 'reconnected' || notice.kind === 'lost') {
      for (const key of [...this.watched.keys()]) this.local.notify(key, Number.MAX_SAFE_INTEGER);
    }
  }

  get parked(): number {
    return this.local.parked;
  }

  get closed(): boolean {
    return this.local.closed;
  }

  close(): void {
    this.local.close();
  }
}
