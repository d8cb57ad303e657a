-- CrimsonQ's model on the same engine (docs/design.md): per-queue timeout behaviour, concurrency, retention,
-- idle expiry, topic subscriptions; per-message topic. Defaults keep IronMQ behaviour for existing queues.

ALTER TABLE queues ADD COLUMN on_timeout TEXT NOT NULL DEFAULT 'requeue';   -- requeue | overdue
ALTER TABLE queues ADD COLUMN overdue_timeout INTEGER NOT NULL DEFAULT 0;   -- seconds overdue before failed
ALTER TABLE queues ADD COLUMN max_in_flight INTEGER NOT NULL DEFAULT 0;     -- 0: unlimited reservations
ALTER TABLE queues ADD COLUMN retain_completed INTEGER NOT NULL DEFAULT 0;  -- 1: deletes keep a completed record
ALTER TABLE queues ADD COLUMN idle_expiry INTEGER NOT NULL DEFAULT 0;       -- seconds; 0: never
ALTER TABLE queues ADD COLUMN last_active_at INTEGER NOT NULL DEFAULT 0;

ALTER TABLE messages ADD COLUMN topic TEXT;                                  -- the topic it was published to

-- Topic filters (MQTT, wildcards on the subscriber side). The engine keeps an in-memory trie built from this.
CREATE TABLE queue_topics (
  queue_id  INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  filter    TEXT NOT NULL,
  PRIMARY KEY (queue_id, filter)
) STRICT;

-- Timers that move messages between states on their own (reservation and overdue timeouts), over all queues:
-- the worker's timeouts job finds the queues that have some due without scanning the others.
CREATE INDEX messages_held_due ON messages(visible_at) WHERE state IN (2, 3);

-- Server-wide values the server generates once and keeps (the JWT secret of the CrimsonQ API).
CREATE TABLE server_settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) STRICT;

-- Queues with an idle expiry, for the expiry job.
CREATE INDEX queues_idle ON queues(last_active_at) WHERE idle_expiry > 0;
