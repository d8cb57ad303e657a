-- Push delivery state and alert state (migrations/sqlite/0002). Push configuration and alert definitions live
-- in queues.extra.

CREATE TABLE push_deliveries (
  message_id         bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  subscriber         text NOT NULL,
  queue_id           bigint NOT NULL,
  position           integer NOT NULL,
  url                text NOT NULL,
  headers            text NOT NULL,
  status             text NOT NULL,          -- queued | reserved | retrying | deleted | error
  status_code        integer,
  error              text,
  tries              integer NOT NULL DEFAULT 0,
  retries_remaining  integer NOT NULL,
  due_at             bigint,
  last_try_at        bigint,
  reservation_id     text,
  PRIMARY KEY (message_id, subscriber)
);
CREATE INDEX push_deliveries_due ON push_deliveries(due_at) WHERE due_at IS NOT NULL;

CREATE TABLE alert_state (
  queue_id       bigint NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  alert_id       text NOT NULL,
  armed          smallint NOT NULL DEFAULT 1,
  level          integer NOT NULL DEFAULT 0,
  last_fired_at  bigint,
  PRIMARY KEY (queue_id, alert_id)
);
