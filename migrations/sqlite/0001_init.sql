-- Ferrite schema, version 1. Append-only: never edit this file once released; add 0002_… instead.
-- All times are integer milliseconds since the epoch, passed in from the injected clock.

CREATE TABLE projects (
  id          TEXT PRIMARY KEY,          -- 24 lowercase hex chars (the Ruby client checks the length)
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
  id          TEXT PRIMARY KEY,          -- public handle used to list and revoke; not a secret
  project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  token_hash  TEXT NOT NULL UNIQUE,      -- sha256 hex of the token; the token itself is never stored
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
) STRICT;
CREATE INDEX tokens_project ON tokens(project_id);

CREATE TABLE queues (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: clients may keep it
  project_id          TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name                TEXT NOT NULL,
  type                TEXT NOT NULL DEFAULT 'pull',   -- pull | multicast | unicast; fixed after creation
  message_timeout     INTEGER NOT NULL,               -- seconds
  message_expiration  INTEGER NOT NULL,               -- seconds
  dead_letter_queue   TEXT,                           -- NULL: no dead-letter queue
  dead_letter_max     INTEGER,
  -- Protocol extensions that the engine does not query on (push config, alerts, topics …) as one JSON object,
  -- so later features add keys without rewriting hot columns.
  extra               TEXT NOT NULL DEFAULT '{}',
  size                INTEGER NOT NULL DEFAULT 0,     -- messages in states available, scheduled, reserved, overdue
  total_messages      INTEGER NOT NULL DEFAULT 0,     -- ever posted to (or moved into) this queue
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  UNIQUE (project_id, name)
) STRICT;

-- state: 0 available, 1 scheduled (delay not elapsed), 2 reserved, 3 overdue, 4 failed, 5 completed.
-- See docs/design.md for the state machine. visible_at is the instant the state's timer fires:
-- scheduled → available, reserved → available (or overdue), overdue → failed.
CREATE TABLE messages (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: an id is never reused after delete
  queue_id             INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  state                INTEGER NOT NULL,
  visible_at           INTEGER NOT NULL,
  body                 TEXT NOT NULL,
  reserved_count       INTEGER NOT NULL DEFAULT 0,
  reservation_id       TEXT,
  reservation_timeout  INTEGER,                             -- seconds of the current reservation
  delay                INTEGER NOT NULL DEFAULT 0,          -- seconds asked for when posted
  push_headers         TEXT,                                -- JSON object or NULL
  error                TEXT,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL,
  expires_at           INTEGER NOT NULL
) STRICT;

-- Reserve reads the head of this index: only available messages are in it, so reserved, scheduled and
-- overdue messages in front of them are never scanned.
CREATE INDEX messages_available ON messages(queue_id, id) WHERE state = 0;
-- Timers that fire: scheduled, reserved and overdue messages ordered by when they do.
CREATE INDEX messages_timers ON messages(queue_id, visible_at) WHERE state IN (1, 2, 3);
-- Per-queue listing and counting by state (peek of failed/completed, CrimsonQ counts, queue delete).
CREATE INDEX messages_queue_state ON messages(queue_id, state);
CREATE INDEX messages_expiry ON messages(expires_at);
