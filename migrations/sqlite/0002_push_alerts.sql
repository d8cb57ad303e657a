-- Push delivery state and alert state. Push configuration and alert definitions live in queues.extra (JSON).

-- One row per (message, subscriber) of a push queue: the delivery's own state machine (docs/design.md).
CREATE TABLE push_deliveries (
  message_id         INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  subscriber         TEXT NOT NULL,
  queue_id           INTEGER NOT NULL,
  position           INTEGER NOT NULL,       -- subscriber order: unicast tries them in this order
  url                TEXT NOT NULL,          -- snapshot at post time, with the subscriber's headers
  headers            TEXT NOT NULL,          -- JSON object
  status             TEXT NOT NULL,          -- queued | reserved | retrying | deleted | error
  status_code        INTEGER,
  error              TEXT,
  tries              INTEGER NOT NULL DEFAULT 0,
  retries_remaining  INTEGER NOT NULL,
  -- When the dispatcher must act: the next attempt, the end of a 202 hold, or the end of an in-flight lease
  -- (a crash mid-delivery is retried after it). NULL: nothing to do (done, or a unicast subscriber not yet reached).
  due_at             INTEGER,
  last_try_at        INTEGER,
  reservation_id     TEXT,
  PRIMARY KEY (message_id, subscriber)
) STRICT;
CREATE INDEX push_deliveries_due ON push_deliveries(due_at) WHERE due_at IS NOT NULL;

-- Alert firing state, per alert id: fixed alerts disarm after firing until the size crosses back;
-- progressive alerts remember the last multiple they fired at; snooze uses last_fired_at.
CREATE TABLE alert_state (
  queue_id       INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  alert_id       TEXT NOT NULL,
  armed          INTEGER NOT NULL DEFAULT 1,
  level          INTEGER NOT NULL DEFAULT 0,
  last_fired_at  INTEGER,
  PRIMARY KEY (queue_id, alert_id)
) STRICT;
