-- Queue activity over time and where dead letters came from (migrations/sqlite/0006): the same tables, columns
-- and meaning. Append-only.

-- Counts per queue and bucket: resolution 60 (one-minute buckets, the last hour) or 600 (ten-minute buckets, the
-- last day), added to by every node's flush of its in-memory counts; `size` as sampled by a flush (NULL: none).
CREATE TABLE queue_activity (
  queue_id       bigint NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  resolution     integer NOT NULL,
  bucket_start   bigint NOT NULL,
  posted         bigint NOT NULL DEFAULT 0,
  reserved       bigint NOT NULL DEFAULT 0,
  deleted        bigint NOT NULL DEFAULT 0,
  expired        bigint NOT NULL DEFAULT 0,
  dead_lettered  bigint NOT NULL DEFAULT 0,
  size           bigint,
  PRIMARY KEY (queue_id, resolution, bucket_start)
);
CREATE INDEX queue_activity_age ON queue_activity(resolution, bucket_start);
-- The size last sampled into queue_activity; a flush samples the queues whose size moved since. NULL: never.
ALTER TABLE queues ADD COLUMN activity_size bigint;

-- The name of the queue a dead letter was moved from; NULL otherwise (and for dead letters moved before 0006).
ALTER TABLE messages ADD COLUMN dead_letter_from text COLLATE "C";
CREATE INDEX messages_dead_letters ON messages(queue_id, dead_letter_from, id) WHERE dead_letter_from IS NOT NULL;
CREATE INDEX messages_dead_letter_origin ON messages(dead_letter_from) WHERE dead_letter_from IS NOT NULL;
