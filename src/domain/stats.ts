/**
 * Queue activity over time: counts of messages posted, reserved, deleted, expired and dead-lettered, and the
 * queue's size, in one-minute buckets for the last hour and ten-minute buckets for the last day. Pure functions
 * of data; the engine counts in memory and the store keeps the buckets.
 */

/** The counters of a bucket, named as on the wire (snake_case there). */
export const ACTIVITY_COUNTERS = ['posted', 'reserved', 'deleted', 'expired', 'deadLettered'] as const;
export type ActivityCounter = (typeof ACTIVITY_COUNTERS)[number];

export type ActivityCounts = Record<ActivityCounter, number>;

/** A resolution: buckets of `seconds`, `buckets` of them back from now. */
export interface Resolution {
  seconds: number;
  buckets: number;
}

/** The two series kept and served: the last hour by minute, the last day by ten minutes. */
export const RESOLUTIONS = {
  hour: { seconds: 60, buckets: 60 },
  day: { seconds: 600, buckets: 144 },
} as const satisfies Record<string, Resolution>;

export type Period = keyof typeof RESOLUTIONS;
export const PERIODS = Object.keys(RESOLUTIONS) as Period[];

/** One bucket: the counts of what happened in [start, start + seconds), and the size at its end (null: unknown). */
export interface ActivityBucket extends ActivityCounts {
  /** ms since the epoch, a multiple of the resolution. */
  start: number;
  size: number | null;
}

export function zeroCounts(): ActivityCounts {
  return { posted: 0, reserved: 0, deleted: 0, expired: 0, deadLettered: 0 };
}

/** The start of the bucket of `seconds` that holds `now`. */
export function bucketStart(now: number, seconds: number): number {
  const ms = seconds * 1000;
  return Math.floor(now / ms) * ms;
}

/** The first bucket start of a series ending with the bucket that holds `now`. */
export function seriesStart(now: number, resolution: Resolution): number {
  return bucketStart(now, resolution.seconds) - (resolution.buckets - 1) * resolution.seconds * 1000;
}

/**
 * A series with every bucket of the window, oldest first: counts are 0 where nothing was recorded, and the size
 * is carried forward from the last one known (`sizeBefore`: the last sampled before the window), since a size
 * only changes with activity. The bucket holding `now` gets `currentSize` when it is known.
 */
export function denseSeries(
  recorded: readonly ActivityBucket[],
  resolution: Resolution,
  now: number,
  sizeBefore: number | null,
  currentSize: number | null,
): ActivityBucket[] {
  const first = seriesStart(now, resolution);
  const step = resolution.seconds * 1000;
  const byStart = new Map(recorded.map((bucket) => [bucket.start, bucket]));
  const series: ActivityBucket[] = [];
  let size = sizeBefore;
  for (let i = 0; i < resolution.buckets; i++) {
    const start = first + i * step;
    const found = byStart.get(start);
    if (found && found.size !== null) size = found.size;
    series.push({ ...(found ?? zeroCounts()), start, size });
  }
  const last = series[series.length - 1];
  if (last && currentSize !== null) last.size = currentSize;
  return series;
}

/** The bucket-by-bucket sum of series over the same window (a project's queues); an unknown size counts as 0. */
export function sumSeries(all: readonly (readonly ActivityBucket[])[], resolution: Resolution, now: number) {
  const total = denseSeries([], resolution, now, null, null);
  for (const bucket of total) bucket.size = all.length === 0 ? null : 0;
  for (const series of all) {
    series.forEach((bucket, i) => {
      const into = total[i]!;
      for (const counter of ACTIVITY_COUNTERS) into[counter] += bucket[counter];
      if (bucket.size !== null) into.size = (into.size ?? 0) + bucket.size;
    });
  }
  return total;
}

/**
 * Counts gathered in memory between two flushes: per queue and per minute, so that a flush late by any amount
 * still puts each count in the minute it happened. The ten-minute buckets are derived at flush.
 */
export class ActivityTally {
  private readonly counts = new Map<string, ActivityDelta>();

  /** Adds `count` to `counter` of the queue's minute that holds `now`. */
  add(projectId: string, name: string, counter: ActivityCounter, count: number, now: number): void {
    const minute = bucketStart(now, RESOLUTIONS.hour.seconds);
    const key = `${projectId}\u0000${name}\u0000${minute}`;
    let delta = this.counts.get(key);
    if (!delta) {
      delta = { projectId, name, minute, counts: zeroCounts() };
      this.counts.set(key, delta);
    }
    delta.counts[counter] += count;
  }

  get isEmpty(): boolean {
    return this.counts.size === 0;
  }

  /** The counts of one queue (`name`) or of every queue of a project (`name` null), not drained yet. */
  of(projectId: string, name: string | null): ActivityDelta[] {
    return [...this.counts.values()].filter(
      (delta) => delta.projectId === projectId && (name === null || delta.name === name),
    );
  }

  /** Everything gathered so far, and a fresh start. */
  drain(): ActivityDelta[] {
    const drained = [...this.counts.values()];
    this.counts.clear();
    return drained;
  }

  /** Puts back what a failed flush drained, so the next flush writes it (added to anything newer). */
  restore(drained: readonly ActivityDelta[]): void {
    for (const delta of drained) {
      for (const counter of ACTIVITY_COUNTERS) {
        const count = delta.counts[counter];
        if (count > 0) this.add(delta.projectId, delta.name, counter, count, delta.minute);
      }
    }
  }
}

/**
 * Adds counts not yet stored (`deltas`, per minute) to stored buckets at `resolution`, from `since` on: the
 * buckets a reader sees include what happened since the last flush.
 */
export function withDeltas(
  stored: readonly ActivityBucket[],
  deltas: readonly ActivityDelta[],
  resolution: Resolution,
  since: number,
): ActivityBucket[] {
  const byStart = new Map(stored.map((bucket) => [bucket.start, { ...bucket }]));
  for (const delta of deltas) {
    const start = bucketStart(delta.minute, resolution.seconds);
    if (start < since) continue;
    let bucket = byStart.get(start);
    if (!bucket) {
      bucket = { ...zeroCounts(), start, size: null };
      byStart.set(start, bucket);
    }
    for (const counter of ACTIVITY_COUNTERS) bucket[counter] += delta.counts[counter];
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** Counts of one queue in one minute. */
export interface ActivityDelta {
  projectId: string;
  name: string;
  /** Start of the minute, ms. */
  minute: number;
  counts: ActivityCounts;
}
