import { QueueNotFound } from '../domain/errors';
import { checkQueueName } from '../domain/limits';
import {
  ACTIVITY_COUNTERS,
  RESOLUTIONS,
  denseSeries,
  seriesStart,
  sumSeries,
  withDeltas,
  type ActivityBucket,
  type Period,
} from '../domain/stats';
import type { EngineDeps } from './deps';

/** Reads of queue activity over time: the store's buckets with the counts not flushed yet (activity-log.ts). */

/** A series per period asked for: every bucket of the window, oldest first. */
export type ActivitySeries = Partial<Record<Period, ActivityBucket[]>>;

/** A queue's activity over the periods asked for; QueueNotFound when it does not exist. */
export async function queueActivity(
  deps: EngineDeps,
  projectId: string,
  name: string,
  periods: readonly Period[],
): Promise<ActivitySeries> {
  checkQueueName(name);
  const now = deps.clock.now();
  const series: ActivitySeries = {};
  for (const period of periods) {
    const resolution = RESOLUTIONS[period];
    const since = seriesStart(now, resolution);
    const read = await deps.store.readActivity({ projectId, name, resolution: resolution.seconds, since });
    const queue = read?.queues[0];
    if (!queue) throw new QueueNotFound(name);
    const buckets = withDeltas(
      queue.buckets,
      deps.activity?.pending(projectId, name) ?? [],
      resolution,
      since,
    );
    series[period] = denseSeries(buckets, resolution, now, queue.sizeBefore, queue.size);
  }
  return series;
}

/** Every queue of a project summed, over the periods asked for. */
export async function projectActivity(
  deps: EngineDeps,
  projectId: string,
  periods: readonly Period[],
): Promise<ActivitySeries> {
  const now = deps.clock.now();
  const series: ActivitySeries = {};
  const pending = deps.activity?.pending(projectId, null) ?? [];
  for (const period of periods) {
    const resolution = RESOLUTIONS[period];
    const since = seriesStart(now, resolution);
    const read = await deps.store.readActivity({
      projectId,
      name: null,
      resolution: resolution.seconds,
      since,
    });
    const stored = read?.queues ?? [];
    const named = new Set(stored.map((queue) => queue.name));
    const perQueue = stored.map((queue) => {
      const own = pending.filter((delta) => delta.name === queue.name);
      const buckets = withDeltas(queue.buckets, own, resolution, since);
      return denseSeries(buckets, resolution, now, queue.sizeBefore, queue.size);
    });
    const total = sumSeries(perQueue, resolution, now);
    // The other queues: their sizes did not move in the window; their unflushed counts still count.
    const rest = withDeltas(
      [],
      pending.filter((delta) => !named.has(delta.name)),
      resolution,
      since,
    );
    const restByStart = new Map(rest.map((bucket) => [bucket.start, bucket]));
    for (const bucket of total) {
      bucket.size = (bucket.size ?? 0) + (read?.restSize ?? 0);
      const extra = restByStart.get(bucket.start);
      if (extra) for (const counter of ACTIVITY_COUNTERS) bucket[counter] += extra[counter];
    }
    series[period] = total;
  }
  return series;
}
