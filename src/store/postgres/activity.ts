import { ACTIVITY_COUNTERS, RESOLUTIONS, bucketStart, type ActivityBucket } from '../../domain/stats';
import { type QueueRow } from '../rows';
import type { ActivityBatch, ActivityRequest, ProjectActivity, QueueActivity } from '../store';
import { row, rows, run, statement as s, type PgContext } from './context';
import { queueRow } from './lookups';
import { SQL as QUEUE_SQL } from './statements';

/**
 * Queue activity over time (migrations/postgres/0006), as the SQLite store's activity.ts: one flush of a node's
 * in-memory counts adds to the buckets, samples the sizes that moved and prunes. Several nodes flush into the same
 * rows: counts only ever add (ON CONFLICT … + excluded), rows are written in key order so two flushes cannot
 * deadlock, and a queue row another transaction holds is sampled by a later flush instead of waited for.
 */

/** How long each resolution's buckets are kept, in ms (as in the SQLite store). */
const KEEP_MS: Record<number, number> = {
  [RESOLUTIONS.hour.seconds]: 2 * 3_600_000,
  [RESOLUTIONS.day.seconds]: 86_400_000 + RESOLUTIONS.day.seconds * 1000,
};

const SQL = {
  // Params: project_ids, names, minutes, posted, reserved, deleted, expired, dead_lettered (arrays, one entry per
  // delta). Each delta goes to its minute and its ten-minute bucket; deltas of missing queues match no queue.
  addCounts: s(
    'activity_add_counts',
    `INSERT INTO queue_activity (queue_id, resolution, bucket_start, posted, reserved, deleted, expired,
       dead_lettered)
     SELECT q.id, r.resolution, (d.minute / (r.resolution * 1000)) * (r.resolution * 1000) AS bucket,
            sum(d.posted), sum(d.reserved), sum(d.deleted), sum(d.expired), sum(d.dead_lettered)
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
                   $8::bigint[]) AS d(project_id, name, minute, posted, reserved, deleted, expired, dead_lettered)
       JOIN queues q ON q.project_id = d.project_id AND q.name = d.name
       CROSS JOIN (VALUES (60), (600)) AS r(resolution)
      GROUP BY q.id, r.resolution, bucket
      ORDER BY q.id, r.resolution, bucket
     ON CONFLICT (queue_id, resolution, bucket_start) DO UPDATE SET
       posted = queue_activity.posted + excluded.posted, reserved = queue_activity.reserved + excluded.reserved,
       deleted = queue_activity.deleted + excluded.deleted, expired = queue_activity.expired + excluded.expired,
       dead_lettered = queue_activity.dead_lettered + excluded.dead_lettered`,
  ),
  // Params: minute bucket start, ten-minute bucket start. Every queue whose size moved since its last sample (and
  // that no other transaction holds now): its size into both buckets, in the same statement that marks it sampled.
  sampleChanged: s(
    'activity_sample_changed',
    `WITH changed AS (
       UPDATE queues SET activity_size = size
        WHERE id IN (SELECT id FROM queues WHERE activity_size IS DISTINCT FROM size
                      ORDER BY id FOR UPDATE SKIP LOCKED)
       RETURNING id, size)
     INSERT INTO queue_activity (queue_id, resolution, bucket_start, size)
     SELECT c.id, r.resolution, r.bucket, c.size
       FROM changed c CROSS JOIN (VALUES (60, $1::bigint), (600, $2::bigint)) AS r(resolution, bucket)
      ORDER BY c.id, r.resolution
     ON CONFLICT (queue_id, resolution, bucket_start) DO UPDATE SET size = excluded.size`,
  ),
  // Params: resolution, oldest bucket_start kept
  prune: s('activity_prune', 'DELETE FROM queue_activity WHERE resolution = $1 AND bucket_start < $2'),
  // Params: queue_id, resolution, since
  queueBuckets: s(
    'activity_queue_buckets',
    `SELECT bucket_start, posted, reserved, deleted, expired, dead_lettered, size FROM queue_activity
      WHERE queue_id = $1 AND resolution = $2 AND bucket_start >= $3 ORDER BY bucket_start`,
  ),
  // Params: project_id, resolution, since
  projectBuckets: s(
    'activity_project_buckets',
    `SELECT a.queue_id, a.bucket_start, a.posted, a.reserved, a.deleted, a.expired, a.dead_lettered, a.size
       FROM queue_activity a JOIN queues q ON q.id = a.queue_id
      WHERE q.project_id = $1 AND a.resolution = $2 AND a.bucket_start >= $3
      ORDER BY a.queue_id, a.bucket_start`,
  ),
  // Params: queue_id, resolution, bucket length in ms, before. The last size sampled in a bucket ended by `before`.
  sizeBefore: s(
    'activity_size_before',
    `SELECT size FROM queue_activity
      WHERE queue_id = $1 AND resolution = $2 AND bucket_start + $3 <= $4 AND size IS NOT NULL
      ORDER BY bucket_start DESC LIMIT 1`,
  ),
  // Params: project_id
  projectSize: s(
    'activity_project_size',
    'SELECT coalesce(sum(size), 0)::bigint AS size FROM queues WHERE project_id = $1',
  ),
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

export async function recordActivity(ctx: PgContext, batch: ActivityBatch): Promise<void> {
  const { deltas, now } = batch;
  if (deltas.length > 0) {
    await run(ctx, SQL.addCounts, [
      deltas.map((d) => d.projectId),
      deltas.map((d) => d.name),
      deltas.map((d) => d.minute),
      ...ACTIVITY_COUNTERS.map((counter) => deltas.map((d) => d.counts[counter])),
    ]);
  }
  await run(ctx, SQL.sampleChanged, [
    bucketStart(now, RESOLUTIONS.hour.seconds),
    bucketStart(now, RESOLUTIONS.day.seconds),
  ]);
  for (const { seconds } of Object.values(RESOLUTIONS)) {
    await run(ctx, SQL.prune, [seconds, bucketStart(now - KEEP_MS[seconds]!, seconds)]);
  }
}

export async function readActivity(
  ctx: PgContext,
  request: ActivityRequest,
): Promise<ProjectActivity | null> {
  const { resolution, since } = request;
  const before = async (queueId: number): Promise<number | null> => {
    // Minutes are also looked up among ten-minute buckets that ended before the window (older ones are gone).
    for (const seconds of resolution === RESOLUTIONS.hour.seconds
      ? [RESOLUTIONS.hour.seconds, RESOLUTIONS.day.seconds]
      : [resolution]) {
      const found = await row<{ size: number }>(ctx, SQL.sizeBefore, [
        queueId,
        seconds,
        seconds * 1000,
        since,
      ]);
      if (found) return found.size;
    }
    return null;
  };
  if (request.name !== null) {
    const queue = await queueRow(ctx, request.projectId, request.name);
    if (!queue) return null;
    const found = await rows<BucketRow>(ctx, SQL.queueBuckets, [queue.id, resolution, since]);
    return {
      queues: [
        {
          name: queue.name,
          buckets: found.map(toBucket),
          sizeBefore: await before(queue.id),
          size: queue.size,
        },
      ],
      restSize: 0,
    };
  }
  const found = await rows<BucketRow>(ctx, SQL.projectBuckets, [request.projectId, resolution, since]);
  const byQueue = new Map<number, BucketRow[]>();
  for (const bucket of found) {
    const list = byQueue.get(bucket.queue_id!) ?? [];
    list.push(bucket);
    byQueue.set(bucket.queue_id!, list);
  }
  const queues: QueueActivity[] = [];
  let inQueues = 0;
  for (const [queueId, list] of byQueue) {
    const queue = await row<QueueRow>(ctx, QUEUE_SQL.getQueueById, [queueId]);
    if (!queue) continue;
    inQueues += queue.size;
    queues.push({
      name: queue.name,
      buckets: list.map(toBucket),
      sizeBefore: await before(queueId),
      size: queue.size,
    });
  }
  queues.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const total = (await row<{ size: number }>(ctx, SQL.projectSize, [request.projectId]))?.size ?? 0;
  return { queues, restSize: total - inQueues };
}

function toBucket(found: BucketRow): ActivityBucket {
  return {
    start: found.bucket_start,
    posted: found.posted,
    reserved: found.reserved,
    deleted: found.deleted,
    expired: found.expired,
    deadLettered: found.dead_lettered,
    size: found.size,
  };
}
