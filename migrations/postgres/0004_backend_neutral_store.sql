-- What a store shared by several processes needs (migrations/sqlite/0004): compare-and-set on queue settings,
-- topic routing that any writer invalidates, and push leases counted in the database.

ALTER TABLE queues ADD COLUMN settings_version bigint NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN topics_version bigint NOT NULL DEFAULT 0;
ALTER TABLE push_deliveries ADD COLUMN leased_until bigint;
CREATE INDEX push_deliveries_leased ON push_deliveries(queue_id, leased_until) WHERE leased_until IS NOT NULL;

-- Topic filters are shown from queues.extra, in the order they were set.
UPDATE queues q
   SET extra = jsonb_set(q.extra::jsonb, '{topics}',
         (SELECT jsonb_agg(t.filter ORDER BY t.position) FROM queue_topics t WHERE t.queue_id = q.id))::text
 WHERE q.id IN (SELECT queue_id FROM queue_topics);
