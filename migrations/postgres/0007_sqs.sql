-- The SQS API on the same queues (migrations/sqlite/0007): message attributes and first-receive times kept with
-- each message, listing of a dead-letter queue's sources, and the access keys Ferrite issues for SigV4.
-- Queue attributes only SQS has (DelaySeconds, ReceiveMessageWaitTimeSeconds …) and tags live in queues.extra.

ALTER TABLE messages ADD COLUMN attributes text;            -- SQS message attributes, JSON object; NULL: none
ALTER TABLE messages ADD COLUMN first_reserved_at bigint;   -- first reserve (ApproximateFirstReceiveTimestamp)

-- ListDeadLetterSourceQueues: the queues of a project that name a given dead-letter queue.
CREATE INDEX queues_dead_letter ON queues(project_id, dead_letter_queue, name) WHERE dead_letter_queue IS NOT NULL;

-- SigV4 access keys. SigV4 is an HMAC: checking a signature needs the secret itself, so it is stored as given.
CREATE TABLE sqs_keys (
  access_key_id  text PRIMARY KEY,
  project_id     text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  secret         text NOT NULL,
  name           text NOT NULL,
  created_at     bigint NOT NULL,
  revoked_at     bigint
);
CREATE INDEX sqs_keys_project ON sqs_keys(project_id);
