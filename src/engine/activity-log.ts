import { ActivityTally, type ActivityCounter, type ActivityDelta } from '../domain/stats';
import type { Store } from '../store/store';
import type { Clock } from './clock';
import type { EngineEvents } from './events';

/**
 * Queue activity over time. Counting happens in memory, from the engine's events, so it costs a request a map
 * lookup and an addition; `flush()` adds the counts to the store's buckets in one write every
 * FERRITE_STATS_FLUSH_SECONDS (and at shutdown). A crash loses at most the counts since the last flush, never a
 * message; reads add the counts not flushed yet, so they are always current.
 */
export class ActivityLog {
  private readonly tally = new ActivityTally();
  /** Drained by a flush not yet committed: reads still count them. */
  private flushing: readonly ActivityDelta[] = [];
  private running: Promise<number> = Promise.resolve(0);

  constructor(private readonly deps: { store: Store; clock: Clock; events: EngineEvents }) {
    const count =
      (counter: ActivityCounter) => (event: { projectId: string; queue: string; count: number }) => {
        if (event.count > 0)
          this.tally.add(event.projectId, event.queue, counter, event.count, deps.clock.now());
      };
    deps.events.on('messages:posted', count('posted'));
    deps.events.on('messages:reserved', count('reserved'));
    deps.events.on('messages:deleted', count('deleted'));
    deps.events.on('messages:expired', count('expired'));
    deps.events.on('messages:dead-lettered', count('deadLettered'));
  }

  /**
   * Writes the counts gathered since the last flush and samples the sizes that moved, in one store write;
   * resolves to how many (queue, minute) counts it wrote. Flushes run one at a time. When the write fails
   * (disk full …) the counts go back into memory for the next flush, and the error is thrown.
   */
  flush(now: number = this.deps.clock.now()): Promise<number> {
    const next = this.running.then(async () => {
      const deltas = this.tally.drain();
      this.flushing = deltas;
      try {
        await this.deps.store.recordActivity({ deltas, now });
        return deltas.length;
      } catch (error) {
        this.tally.restore(deltas);
        throw error;
      } finally {
        this.flushing = [];
      }
    });
    this.running = next.catch(() => 0);
    return next;
  }

  /** Counts not in the store yet, of one queue or (`name` null) of every queue of a project. */
  pending(projectId: string, name: string | null): ActivityDelta[] {
    const inFlight = this.flushing.filter(
      (delta) => delta.projectId === projectId && (name === null || delta.name === name),
    );
    return [...inFlight, ...this.tally.of(projectId, name)];
  }
}
