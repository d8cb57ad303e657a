-- What a store shared by several processes needs (docs/design.md, "Layers"): compare-and-set on queue settings,
-- topic routing that any writer invalidates, and push leases counted in the database rather than in one
-- process's memory.

-- Increases with every settings change (not with counters): a settings update names the version it read.
ALTER TABLE queues ADD COLUMN settings_version INTEGER NOT NULL DEFAULT 0;

-- Increases whenever a queue of the project changes its topic filters or is deleted: cached routes are
-- rebuilt when it moved.
ALTER TABLE projects ADD COLUMN topics_version INTEGER NOT NULL DEFAULT 0;

-- The end of the lease of an attempt in flight (NULL: none). A queue's deliveries in flight are those leased
-- past now, so per-queue push concurrency holds for every dispatcher; a crash leaves a lease that just ends.
ALTER TABLE push_deliveries ADD COLUMN leased_until INTEGER;
CREATE INDEX push_deliveries_leased ON push_deliveries(queue_id, leased_until) WHERE leased_until IS NOT NULL;

-- Topic filters are shown from queues.extra, in the order they were set; queue_topics stays the routing index.
UPDATE queues
   SET extra = json_set(extra, '$.topics', json((
         SELECT json_group_array(filter)
           FROM (SELECT filter FROM queue_topics WHERE queue_id = queues.id ORDER BY rowid))))
 WHERE id IN (SELECT queue_id FROM queue_topics);
