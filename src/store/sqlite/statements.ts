import type Database from 'better-sqlite3';

/** Every statement, prepared once. Each header names its parameters in order. */
export function prepareStatements(db: Database.Database) {
  return {
    // Params: id, name, created_at
    insertProject: db.prepare('INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)'),
    // Params: id
    getProject: db.prepare('SELECT * FROM projects WHERE id = ?'),
    listProjects: db.prepare('SELECT * FROM projects ORDER BY created_at, id'),
    // Params: id, project_id, token_hash, name, created_at
    insertToken: db.prepare(
      'INSERT INTO tokens (id, project_id, token_hash, name, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    listAllTokens: db.prepare('SELECT * FROM tokens ORDER BY created_at, id'),
    // Params: project_id
    listProjectTokens: db.prepare('SELECT * FROM tokens WHERE project_id = ? ORDER BY created_at, id'),
    // Params: now, id
    revokeToken: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    // Params: token_hash
    projectOfToken: db
      .prepare('SELECT project_id FROM tokens WHERE token_hash = ? AND revoked_at IS NULL')
      .pluck(),

    // Params: project_id, name
    getQueue: db.prepare('SELECT * FROM queues WHERE project_id = ? AND name = ?'),
    // Params: id
    getQueueById: db.prepare('SELECT * FROM queues WHERE id = ?'),
    // Params: project_id, name, type, message_timeout, message_expiration, dl_queue, dl_max, extra, on_timeout,
    // overdue_timeout, max_in_flight, retain_completed, idle_expiry, last_active_at, created_at, updated_at
    insertQueue: db.prepare(
      `INSERT INTO queues (project_id, name, type, message_timeout, message_expiration, dead_letter_queue,
         dead_letter_max, extra, on_timeout, overdue_timeout, max_in_flight, retain_completed, idle_expiry,
         last_active_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Params: type, message_timeout, message_expiration, dl_queue, dl_max, extra, on_timeout, overdue_timeout,
    // max_in_flight, retain_completed, idle_expiry, updated_at, id, expected settings_version twice (NULL: any)
    updateQueue: db.prepare(
      `UPDATE queues SET type = ?, message_timeout = ?, message_expiration = ?, dead_letter_queue = ?,
         dead_letter_max = ?, extra = ?, on_timeout = ?, overdue_timeout = ?, max_in_flight = ?,
         retain_completed = ?, idle_expiry = ?, updated_at = ?, settings_version = settings_version + 1
       WHERE id = ? AND (? IS NULL OR settings_version = ?)`,
    ),
    // Params: project_id, name
    deleteQueue: db.prepare('DELETE FROM queues WHERE project_id = ? AND name = ?'),
    // Params: projectId, low, lowInclusive (0|1), high (NULL: no upper bound), limit
    listQueues: db.prepare(
      `SELECT * FROM queues WHERE project_id = @projectId
         AND (name > @low OR (@lowInclusive = 1 AND name = @low)) AND (@high IS NULL OR name < @high)
       ORDER BY name LIMIT @limit`,
    ),
    // Params: size delta, total_messages delta, updated_at, id. Returns the new size.
    addToQueue: db
      .prepare(
        'UPDATE queues SET size = size + ?, total_messages = total_messages + ?, updated_at = ? WHERE id = ? RETURNING size',
      )
      .pluck(),

    // Params: queue_id, state, visible_at, body, delay, push_headers, created_at, updated_at, expires_at, topic,
    // attributes
    insertMessage: db.prepare(
      `INSERT INTO messages (queue_id, state, visible_at, body, delay, push_headers, created_at, updated_at,
         expires_at, topic, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Params: id
    getMessageById: db.prepare('SELECT * FROM messages WHERE id = ?'),
    // Params: id, queue_id, now (unexpired only)
    getMessage: db.prepare('SELECT * FROM messages WHERE id = ? AND queue_id = ? AND expires_at > ?'),
    // Params: queue_id, now, limit. Served by the partial index messages_available.
    headOfQueue: db.prepare(
      'SELECT * FROM messages WHERE queue_id = ? AND state = 0 AND expires_at > ? ORDER BY id LIMIT ?',
    ),
    // Params: queue_id, now, now, limit. Scheduled messages whose delay has ended (messages_timers).
    dueScheduled: db.prepare(
      `SELECT * FROM messages WHERE queue_id = ? AND state IN (1, 2, 3) AND visible_at <= ? AND state = 1
         AND expires_at > ? ORDER BY id LIMIT ?`,
    ),
    // Params: queue_id, now, now, limit. Scheduled or reserved messages whose timer has fired (messages_timers).
    dueMessages: db.prepare(
      `SELECT * FROM messages WHERE queue_id = ? AND state IN (1, 2, 3) AND visible_at <= ? AND state <> 3
         AND expires_at > ? ORDER BY id LIMIT ?`,
    ),
    // Params: overdue_ms, updated_at, queue_id, now. Reservations that ran out on a consumer queue: overdue,
    // delayed_at = when the reservation ended (SET reads the row as it was).
    reservedToOverdue: db.prepare(
      `UPDATE messages SET state = 3, delayed_at = visible_at, visible_at = visible_at + ?, updated_at = ?
         WHERE queue_id = ? AND state IN (1, 2, 3) AND visible_at <= ? AND state = 2`,
    ),
    // Params: error, updated_at, queue_id, now. Overdue messages whose grace ended: failed (not in size),
    // failed_at = when the grace ended.
    overdueToFailed: db.prepare(
      `UPDATE messages SET state = 4, error = ?, reservation_id = NULL, failed_at = visible_at, updated_at = ?
         WHERE queue_id = ? AND state IN (1, 2, 3) AND visible_at <= ? AND state = 3`,
    ),
    // Params: updated_at, queue_id, now. Delays that ended: available.
    scheduledToAvailable: db.prepare(
      `UPDATE messages SET state = 0, updated_at = ?
         WHERE queue_id = ? AND state IN (1, 2, 3) AND visible_at <= ? AND state = 1`,
    ),
    // Params: updated_at, queue_id, now. A timed-out reservation is pending again from when it ended.
    promoteDue: db.prepare(
      `UPDATE messages SET state = 0, reservation_id = NULL, updated_at = ?,
         pending_at = CASE WHEN state = 2 THEN visible_at ELSE pending_at END
         WHERE queue_id = ? AND state IN (1, 2, 3) AND visible_at <= ? AND state <> 3`,
    ),
    // Params: reservation_id, visible_at (reserved until), reservation_timeout, updated_at, active_at, now (kept
    // as the first reservation's time), id
    reserveMessage: db.prepare(
      `UPDATE messages SET state = 2, reservation_id = ?, visible_at = ?, reservation_timeout = ?,
         reserved_count = reserved_count + 1, updated_at = ?, active_at = ?,
         first_reserved_at = coalesce(first_reserved_at, ?) WHERE id = ?`,
    ),
    // Params: reservation_id, visible_at (reserved until), reservation_timeout, updated_at, id
    touchMessage: db.prepare(
      'UPDATE messages SET reservation_id = ?, visible_at = ?, reservation_timeout = ?, updated_at = ? WHERE id = ?',
    ),
    // Params: state (0|1), visible_at, updated_at, pending_at, id
    releaseMessage: db.prepare(
      'UPDATE messages SET state = ?, visible_at = ?, reservation_id = NULL, updated_at = ?, pending_at = ? WHERE id = ?',
    ),
    // Params: queue_id, updated_at, id. Moves a message to another queue (dead letter), keeping id and counts.
    moveMessage: db.prepare(
      'UPDATE messages SET queue_id = ?, state = 0, reservation_id = NULL, updated_at = ? WHERE id = ?',
    ),
    // Params: id
    deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
    // Params: updated_at, completed_at, id. Kept as completed (a consumer retains what it completes).
    retainCompleted: db.prepare(
      'UPDATE messages SET state = 5, reservation_id = NULL, updated_at = ?, completed_at = ? WHERE id = ?',
    ),
    // Params: updated_at, pending_at, id. A failed message back to available, at its old place.
    retryMessage: db.prepare(
      'UPDATE messages SET state = 0, reservation_id = NULL, updated_at = ?, pending_at = ? WHERE id = ?',
    ),
    // Params: error, updated_at, failed_at, id
    failMessage: db.prepare(
      'UPDATE messages SET state = 4, error = ?, reservation_id = NULL, updated_at = ?, failed_at = ? WHERE id = ?',
    ),
    // Params: queue_id, state
    countState: db.prepare('SELECT count(*) FROM messages WHERE queue_id = ? AND state = ?').pluck(),
    // Params: queue_id, state, limit
    listState: db.prepare('SELECT * FROM messages WHERE queue_id = ? AND state = ? ORDER BY id LIMIT ?'),
    // Params: queue_id, state
    deleteState: db.prepare('DELETE FROM messages WHERE queue_id = ? AND state = ?'),
    // Params: updated_at, pending_at, queue_id. Failed messages back to available, at their old place (the front).
    retryAllFailed: db.prepare(
      'UPDATE messages SET state = 0, visible_at = 0, updated_at = ?, pending_at = ? WHERE queue_id = ? AND state = 4',
    ),
    // Params: now, id
    markActive: db.prepare('UPDATE queues SET last_active_at = ? WHERE id = ?'),
    // Params: now, limit. Queues whose idle expiry has passed.
    idleQueues: db.prepare(
      `SELECT * FROM queues WHERE idle_expiry > 0 AND last_active_at + idle_expiry * 1000 <= ?
         ORDER BY last_active_at LIMIT ?`,
    ),
    // Params: now, limit. Queues with reservation or overdue timers that have fired (messages_held_due).
    queuesWithDueTimers: db
      .prepare('SELECT DISTINCT queue_id FROM messages WHERE state IN (2, 3) AND visible_at <= ? LIMIT ?')
      .pluck(),
    // Params: project_id. Every topic filter of the project's queues, for its routing index.
    projectTopics: db.prepare(
      'SELECT t.queue_id, t.filter FROM queue_topics t JOIN queues q ON q.id = t.queue_id WHERE q.project_id = ?',
    ),
    // Params: project_id
    topicsVersion: db.prepare('SELECT topics_version FROM projects WHERE id = ?').pluck(),
    // Params: project_id. Cached routes of the project are rebuilt by every reader after this.
    bumpTopicsVersion: db.prepare('UPDATE projects SET topics_version = topics_version + 1 WHERE id = ?'),
    // Params: queue_id
    clearTopics: db.prepare('DELETE FROM queue_topics WHERE queue_id = ?'),
    // Params: queue_id, filter
    addTopic: db.prepare('INSERT OR IGNORE INTO queue_topics (queue_id, filter) VALUES (?, ?)'),
    // Params: queue_id
    hasTopics: db.prepare('SELECT 1 FROM queue_topics WHERE queue_id = ? LIMIT 1').pluck(),
    // Params: limit. Reserved counts come from messages_queue_state, one range per queue.
    queueStats: db.prepare(
      `SELECT q.project_id AS projectId, q.name, q.size,
         (SELECT count(*) FROM messages m WHERE m.queue_id = q.id AND m.state = 2) AS reserved
       FROM queues q ORDER BY q.id LIMIT ?`,
    ),
    // Params: key
    getSetting: db.prepare('SELECT value FROM server_settings WHERE key = ?').pluck(),
    // Params: key, value
    putSettingIfAbsent: db.prepare('INSERT OR IGNORE INTO server_settings (key, value) VALUES (?, ?)'),
    // Params: queue_id
    clearQueue: db.prepare('DELETE FROM messages WHERE queue_id = ?'),
    // Params: queue_id
    nextTimer: db
      .prepare(
        'SELECT min(visible_at) FROM messages WHERE queue_id = ? AND state IN (1, 2, 3) AND state <> 3',
      )
      .pluck(),
    // Params: now, limit
    expired: db.prepare(
      'SELECT id, queue_id, state FROM messages WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
    ),

    // Params: state, expires_at (cap), updated_at, completed_at, id. Ends a push message: kept (not in size)
    // for its statuses.
    completeMessage: db.prepare(
      'UPDATE messages SET state = ?, expires_at = min(expires_at, ?), updated_at = ?, completed_at = ? WHERE id = ?',
    ),

    // ---- push deliveries ----
    // Params: message_id, subscriber, queue_id, position, url, headers, status, retries_remaining, due_at
    insertDelivery: db.prepare(
      `INSERT INTO push_deliveries (message_id, subscriber, queue_id, position, url, headers, status,
         retries_remaining, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Params: now, saturated queue ids (JSON array), limit. Candidates for the dispatcher, oldest due first
    // (push_deliveries_due), skipping queues already at their in-flight limit so their backlog hides no other.
    dueDeliveries: db.prepare(
      `SELECT d.*, m.body, m.push_headers, m.state AS message_state, q.project_id, q.name AS queue_name
         FROM push_deliveries d JOIN messages m ON m.id = d.message_id JOIN queues q ON q.id = d.queue_id
        WHERE d.due_at IS NOT NULL AND d.due_at <= ? AND d.queue_id NOT IN (SELECT value FROM json_each(?))
        ORDER BY d.due_at LIMIT ?`,
    ),
    // Params: due_at, leased_until (both the lease's end), message_id, subscriber
    leaseDelivery: db.prepare(
      'UPDATE push_deliveries SET due_at = ?, leased_until = ? WHERE message_id = ? AND subscriber = ?',
    ),
    // Params: now. Deliveries in flight (leased past now), per queue (push_deliveries_leased).
    leasedPerQueue: db.prepare(
      'SELECT queue_id, count(*) AS n FROM push_deliveries WHERE leased_until > ? GROUP BY queue_id',
    ),
    // Params: message_id, subscriber
    getDelivery: db.prepare('SELECT * FROM push_deliveries WHERE message_id = ? AND subscriber = ?'),
    // Params: message_id
    messageDeliveries: db.prepare('SELECT * FROM push_deliveries WHERE message_id = ? ORDER BY position'),
    // Params: status, status_code, error, tries, retries_remaining, due_at, last_try_at, reservation_id,
    // message_id, subscriber
    saveDelivery: db.prepare(
      `UPDATE push_deliveries SET status = ?, status_code = ?, error = ?, tries = ?, retries_remaining = ?,
         due_at = ?, last_try_at = ?, reservation_id = ? WHERE message_id = ? AND subscriber = ?`,
    ),
    // Params: message_id, subscriber. The attempt is recorded: it is no longer in flight.
    endLease: db.prepare(
      'UPDATE push_deliveries SET leased_until = NULL WHERE message_id = ? AND subscriber = ?',
    ),
    nextDelivery: db.prepare('SELECT min(due_at) FROM push_deliveries WHERE due_at IS NOT NULL').pluck(),

    // ---- SQS ----
    // Params: queueId, now, requeue (1: timed-out reservations are available again; 0: they are overdue, still
    // held). A queue's live messages as a receive sees them now (messages_queue_state).
    countMessages: db.prepare(
      `SELECT
         coalesce(sum(state = 0 OR (visible_at <= @now AND (state = 1 OR (state = 2 AND @requeue = 1)))), 0)
           AS available,
         coalesce(sum((state = 2 AND (visible_at > @now OR @requeue = 0)) OR state = 3), 0) AS in_flight,
         coalesce(sum(state = 1 AND visible_at > @now), 0) AS delayed
       FROM messages WHERE queue_id = @queueId AND state IN (0, 1, 2, 3) AND expires_at > @now`,
    ),
    // Params: project_id, dead-letter queue name, after, limit (queues_dead_letter)
    deadLetterSources: db
      .prepare(
        `SELECT name FROM queues WHERE project_id = ? AND dead_letter_queue = ? AND name > ?
         ORDER BY name LIMIT ?`,
      )
      .pluck(),
    // Params: access_key_id, project_id, secret, name, created_at
    insertSqsKey: db.prepare(
      'INSERT INTO sqs_keys (access_key_id, project_id, secret, name, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    // Params: access_key_id
    getSqsKey: db.prepare('SELECT * FROM sqs_keys WHERE access_key_id = ?'),
    listAllSqsKeys: db.prepare('SELECT * FROM sqs_keys ORDER BY created_at, access_key_id'),
    // Params: project_id
    listProjectSqsKeys: db.prepare(
      'SELECT * FROM sqs_keys WHERE project_id = ? ORDER BY created_at, access_key_id',
    ),
    // Params: now, access_key_id
    revokeSqsKey: db.prepare(
      'UPDATE sqs_keys SET revoked_at = ? WHERE access_key_id = ? AND revoked_at IS NULL',
    ),

    // ---- alerts ----
    // Params: queue_id, alert_id
    getAlertState: db.prepare('SELECT * FROM alert_state WHERE queue_id = ? AND alert_id = ?'),
    // Params: queue_id, alert_id, armed, level, last_fired_at
    putAlertState: db.prepare(
      `INSERT INTO alert_state (queue_id, alert_id, armed, level, last_fired_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (queue_id, alert_id) DO UPDATE SET armed = excluded.armed, level = excluded.level,
         last_fired_at = excluded.last_fired_at`,
    ),
    // Params: queue_id
    alertStates: db.prepare('SELECT alert_id FROM alert_state WHERE queue_id = ?').pluck(),
    // Params: queue_id, alert_id
    deleteAlertState: db.prepare('DELETE FROM alert_state WHERE queue_id = ? AND alert_id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
