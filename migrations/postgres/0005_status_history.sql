-- CrimsonQ's statusHistory (migrations/sqlite/0005): when each message last entered each status (epoch ms),
-- besides created_at. Entering a status again overwrites its time. Timers write the moment they fired.

ALTER TABLE messages ADD COLUMN pending_at bigint;
ALTER TABLE messages ADD COLUMN active_at bigint;
ALTER TABLE messages ADD COLUMN delayed_at bigint;
ALTER TABLE messages ADD COLUMN failed_at bigint;
ALTER TABLE messages ADD COLUMN completed_at bigint;

UPDATE messages SET active_at = updated_at WHERE state = 2;
UPDATE messages SET delayed_at = updated_at WHERE state = 3;
UPDATE messages SET failed_at = updated_at WHERE state = 4;
UPDATE messages SET completed_at = updated_at WHERE state = 5;
UPDATE messages SET pending_at = updated_at WHERE state IN (0, 1) AND updated_at <> created_at;
