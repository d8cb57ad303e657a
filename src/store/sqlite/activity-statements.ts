import type Database from 'better-sqlite3';

/** Statements of the activity buckets (migrations/sqlite/0006), prepared once. Each header names its parameters. */
export function prepareActivityStatements(db: Database.Database) {
  return {
    // Params: queue_id, resolution, bucket_start, posted, reserved, deleted, expired, dead_lettered
    addCounts: db.prepare(
      `INSERT INTO queue_activity (queue_id, resolution, bucket_start, posted, reserved, deleted, expired,
         dead_lettered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (queue_id, resolution, bucket_start) DO UPDATE SET
         posted = posted + excluded.posted, reserved = reserved + excluded.reserved,
         deleted = deleted + excluded.deleted, expired = expired + excluded.expired,
         dead_lettered = dead_lettered + excluded.dead_lettered`,
    ),
    // Params: resolution, bucket_start. Every queue whose size moved since its last sample: its size now.
    sampleChanged: db.prepare(
      `INSERT INTO queue_activity (queue_id, resolution, bucket_start, size)
         SELECT id, ?, ?, size FROM queues WHERE activity_size IS NOT size
       ON CONFLICT (queue_id, resolution, bucket_start) DO UPDATE SET size = excluded.size`,
    ),
    // After sampleChanged at every resolution: those sizes are the last sampled.
    markSampled: db.prepare('UPDATE queues SET activity_size = size WHERE activity_size IS NOT size'),
    // Params: resolution, oldest bucket_start kept
    prune: db.prepare('DELETE FROM queue_activity WHERE resolution = ? AND bucket_start < ?'),
    // Params: queue_id, resolution, since
    queueBuckets: db.prepare(
      `SELECT bucket_start, posted, reserved, deleted, expired, dead_lettered, size FROM queue_activity
       WHERE queue_id = ? AND resolution = ? AND bucket_start >= ? ORDER BY bucket_start`,
    ),
    // Params: project_id, resolution, since
    projectBuckets: db.prepare(
      `SELECT a.queue_id, a.bucket_start, a.posted, a.reserved, a.deleted, a.expired, a.dead_lettered, a.size
       FROM queue_activity a JOIN queues q ON q.id = a.queue_id
       WHERE q.project_id = ? AND a.resolution = ? AND a.bucket_start >= ? ORDER BY a.queue_id, a.bucket_start`,
    ),
    // Params: queue_id, resolution, before, end_ms. The last size sampled in a bucket that ended by `before`
    // (its start + end_ms <= before), so no sample taken inside the window is taken for one before it.
    sizeBefore: db
      .prepare(
        `SELECT size FROM queue_activity
         WHERE queue_id = ? AND resolution = ? AND bucket_start + ? <= ? AND size IS NOT NULL
         ORDER BY bucket_start DESC LIMIT 1`,
      )
      .pluck(),
    // Params: project_id
    projectSize: db.prepare('SELECT coalesce(sum(size), 0) FROM queues WHERE project_id = ?').pluck(),
  };
}

export type ActivityStatements = ReturnType<typeof prepareActivityStatements>;
