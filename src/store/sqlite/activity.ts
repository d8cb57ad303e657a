import { RESOLUTIONS, bucketStart, type ActivityBucket } from '../../domain/stats';
import type { ActivityBatch, ActivityRequest, ProjectActivity, QueueActivity } from '../store';
import type { SqliteContext } from './context';
import { queueRow } from './lookups';
import type { QueueRow } from './rows';

/** Queue activity over time: the buckets of migrations/sqlite/0006, written by one flush of in-memory counts. */

/**
 * How long each resolution's buckets are kept, in ms. Minutes are kept an hour longer than the hour shown, so
 * the size before the window is still known; ten-minute buckets a day and one bucket.
 */
const KEEP_MS: Record<number, number> = {
  [RESOLUTIONS.hour.seconds]: 2 * 3_600_000,
  [RESOLUTIONS.day.seconds]: 86_400_000 + RESOLUTIONS.day.seconds * 1000,
};

interface BucketRow {
  queue_id?: number;
  bucket_start: number;
  posted: number;
  reserved: number;
  deleted: number;
  expired: number;
  dead_lettered: number;
  size: number | null;
}

export function recordActivity(ctx: SqliteContext, batch: ActivityBatch): void {
  const sql = ctx.activity;
  const { now } = batch;
  const queues = new Map<string, QueueRow | null>();
  const find = (projectId: string, name: string): QueueRow | null => {
    const key = `${projectId}\u0000${name}`;
    if (!queues.has(key)) queues.set(key, queueRow(ctx, projectId, name) ?? null);
    return queues.get(key)!;
  };
  for (const delta of batch.deltas) {
    const queue = find(delta.projectId, delta.name);
    if (!queue) continue;
    const { posted, reserved, deleted, expired, deadLettered } = delta.counts;
    for (const { seconds } of Object.values(RESOLUTIONS)) {
      sql.addCounts.run(
        queue.id,
        seconds,
        bucketStart(delta.minute, seconds),
        posted,
        reserved,
        deleted,
        expired,
        deadLettered,
      );
    }
  }
  for (const { seconds } of Object.values(RESOLUTIONS))
    sql.sampleChanged.run(seconds, bucketStart(now, seconds));
  sql.markSampled.run();
  for (const { seconds } of Object.values(RESOLUTIONS)) {
    sql.prune.run(seconds, bucketStart(now - KEEP_MS[seconds]!, seconds));
  }
}

export function readActivity(ctx: SqliteContext, request: ActivityRequest): ProjectActivity | null {
  const sql = ctx.activity;
  const { resolution, since } = request;
  const before = (queueId: number): number | null => {
    // Minutes are also looked up among ten-minute buckets that ended before the window (older ones are gone).
    for (const seconds of resolution === RESOLUTIONS.hour.seconds
      ? [RESOLUTIONS.hour.seconds, RESOLUTIONS.day.seconds]
      : [resolution]) {
      const size = sql.sizeBefore.get(queueId, seconds, seconds * 1000, since) as number | undefined;
      if (size !== undefined) return size;
    }
    return null;
  };
  if (request.name !== null) {
    const queue = queueRow(ctx, request.projectId, request.name);
    if (!queue) return null;
    const rows = sql.queueBuckets.all(queue.id, resolution, since) as BucketRow[];
    return {
      queues: [
        { name: queue.name, buckets: rows.map(toBucket), sizeBefore: before(queue.id), size: queue.size },
      ],
      restSize: 0,
    };
  }
  const rows = sql.projectBuckets.all(request.projectId, resolution, since) as BucketRow[];
  const byQueue = new Map<number, BucketRow[]>();
  for (const row of rows) {
    const list = byQueue.get(row.queue_id!) ?? [];
    list.push(row);
    byQueue.set(row.queue_id!, list);
  }
  const queues: QueueActivity[] = [];
  let inQueues = 0;
  for (const [queueId, list] of byQueue) {
    const queue = ctx.sql.getQueueById.get(queueId) as QueueRow;
    inQueues += queue.size;
    queues.push({
      name: queue.name,
      buckets: list.map(toBucket),
      sizeBefore: before(queueId),
      size: queue.size,
    });
  }
  queues.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const total = sql.projectSize.get(request.projectId) as number;
  return { queues, restSize: total - inQueues };
}

function toBucket(row: BucketRow): ActivityBucket {
  return {
    start: row.bucket_start,
    posted: row.posted,
    reserved: row.reserved,
    deleted: row.deleted,
    expired: row.expired,
    deadLettered: row.dead_lettered,
    size: row.size,
  };
}
