-- CrimsonQ's statusHistory: when each message last entered each status (epoch ms), besides created_at. Entering
-- a status again overwrites its time. Timers write the moment they fired (a reservation's or a grace's end).

ALTER TABLE messages ADD COLUMN pending_at INTEGER;     -- back to pending: a retry, a release, a requeued timeout
ALTER TABLE messages ADD COLUMN active_at INTEGER;      -- reserved (pulled)
ALTER TABLE messages ADD COLUMN delayed_at INTEGER;     -- overdue: its reservation ran out on a consumer queue
ALTER TABLE messages ADD COLUMN failed_at INTEGER;
ALTER TABLE messages ADD COLUMN completed_at INTEGER;

-- Messages stored before: the time of their current status was their last update, as shown until now.
UPDATE messages SET active_at = updated_at WHERE state = 2;
UPDATE messages SET delayed_at = updated_at WHERE state = 3;
UPDATE messages SET failed_at = updated_at WHERE state = 4;
UPDATE messages SET completed_at = updated_at WHERE state = 5;
UPDATE messages SET pending_at = updated_at WHERE state IN (0, 1) AND updated_at <> created_at;
