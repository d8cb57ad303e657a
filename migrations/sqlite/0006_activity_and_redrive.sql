-- Queue activity over time (GET …/stats) and where dead letters came from (redrive). Append-only.

-- Counts per queue and bucket: resolution 60 (one-minute buckets, kept for the last hour) or 600 (ten-minute
-- buckets, kept for the last day). The engine counts in memory and adds its counts here in one transaction every
-- few seconds; the same transaction samples `size` (the queue's size then, for every queue whose size changed
-- since its last sample; NULL: not sampled in that bucket) and deletes buckets past their resolution's window.
CREATE TABLE queue_activity (
  queue_id       INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  resolution     INTEGER NOT NULL,
  bucket_start   INTEGER NOT NULL,
  posted         INTEGER NOT NULL DEFAULT 0,
  reserved       INTEGER NOT NULL DEFAULT 0,
  deleted        INTEGER NOT NULL DEFAULT 0,
  expired        INTEGER NOT NULL DEFAULT 0,
  dead_lettered  INTEGER NOT NULL DEFAULT 0,
  size           INTEGER,
  PRIMARY KEY (queue_id, resolution, bucket_start)
) STRICT;
-- Pruning reads old buckets of every queue by age.
CREATE INDEX queue_activity_age ON queue_activity(resolution, bucket_start);
-- The size last sampled into queue_activity: a flush samples the queues whose size moved since (whatever moved
-- it: posts, deletes, expiry, dead letters, alerts, push deliveries, redrive). NULL: never sampled.
ALTER TABLE queues ADD COLUMN activity_size INTEGER;

-- The name of the queue a dead letter was moved from, so a redrive sends it back there. NULL for every other
-- message, and for dead letters moved before this migration.
ALTER TABLE messages ADD COLUMN dead_letter_from TEXT;
-- Dead letters by origin: redrive reads them oldest first per queue, metrics count them per origin.
CREATE INDEX messages_dead_letters ON messages(queue_id, dead_letter_from, id) WHERE dead_letter_from IS NOT NULL;
CREATE INDEX messages_dead_letter_origin ON messages(dead_letter_from) WHERE dead_letter_from IS NOT NULL;
