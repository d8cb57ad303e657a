import { statement as s } from './sql';

/**
 * Every statement of the general path (operations that read, decide with a domain rule, then write), named so each
 * connection prepares it once. The header of each names its parameters in order. The single-statement fast
 * paths that requests share a commit through are in fast-paths.ts.
 */
export const SQL = {
  // Params: id, name, created_at
  insertProject: s('insert_project', 'INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3)'),
  // Params: id
  getProject: s('get_project', 'SELECT * FROM projects WHERE id = $1'),
  listProjects: s('list_projects', 'SELECT * FROM projects ORDER BY created_at, id'),
  // Params: id, project_id, token_hash, name, created_at
  insertToken: s(
    'insert_token',
    'INSERT INTO tokens (id, project_id, token_hash, name, created_at) VALUES ($1, $2, $3, $4, $5)',
  ),
  listAllTokens: s('list_all_tokens', 'SELECT * FROM tokens ORDER BY created_at, id'),
  // Params: project_id
  listProjectTokens: s(
    'list_project_tokens',
    'SELECT * FROM tokens WHERE project_id = $1 ORDER BY created_at, id',
  ),
  // Params: now, id
  revokeToken: s(
    'revoke_token',
    'UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING project_id',
  ),
  // Params: token_hash
  projectOfToken: s(
    'project_of_token',
    'SELECT project_id FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL',
  ),

  // Params: project_id, name
  getQueue: s('get_queue', 'SELECT * FROM queues WHERE project_id = $1 AND name = $2'),
  // Params: id
  getQueueById: s('get_queue_by_id', 'SELECT * FROM queues WHERE id = $1'),
  // Params: project_id, name. Locks the row: max_in_flight is counted and settings are compared under it.
  lockQueue: s('lock_queue', 'SELECT * FROM queues WHERE project_id = $1 AND name = $2 FOR UPDATE'),
  // Params: project_id, name, type, message_timeout, message_expiration, dl_queue, dl_max, extra, on_timeout,
  // overdue_timeout, max_in_flight, retain_completed, idle_expiry, last_active_at, created_at, updated_at.
  // Nothing when the queue exists (created meanwhile by another request or node).
  insertQueue: s(
    'insert_queue',
    `INSERT INTO queues (project_id, name, type, message_timeout, message_expiration, dead_letter_queue,
       dead_letter_max, extra, on_timeout, overdue_timeout, max_in_flight, retain_completed, idle_expiry,
       last_active_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (project_id, name) DO NOTHING RETURNING *`,
  ),
  // Params: type, message_timeout, message_expiration, dl_queue, dl_max, extra, on_timeout, overdue_timeout,
  // max_in_flight, retain_completed, idle_expiry, updated_at, id, expected settings_version (NULL: any)
  updateQueue: s(
    'update_queue',
    `UPDATE queues SET type = $1, message_timeout = $2, message_expiration = $3, dead_letter_queue = $4,
       dead_letter_max = $5, extra = $6, on_timeout = $7, overdue_timeout = $8, max_in_flight = $9,
       retain_completed = $10, idle_expiry = $11, updated_at = $12, settings_version = settings_version + 1
     WHERE id = $13 AND ($14::bigint IS NULL OR settings_version = $14::bigint) RETURNING *`,
  ),
  // Params: id
  deleteQueue: s('delete_queue', 'DELETE FROM queues WHERE id = $1'),
  // Params: project_id, low, low inclusive, high (NULL: no upper bound), limit
  listQueues: s(
    'list_queues',
    `SELECT * FROM queues WHERE project_id = $1
       AND (name > $2 OR ($3::boolean AND name = $2)) AND ($4::text IS NULL OR name < $4::text)
     ORDER BY name LIMIT $5`,
  ),
  // Params: size delta, total_messages delta, updated_at, id. Returns the new size; locks the queue row, so
  // alert state is read and written under it.
  addToQueue: s(
    'add_to_queue',
    `UPDATE queues SET size = size + $1, total_messages = total_messages + $2, updated_at = $3 WHERE id = $4
     RETURNING size`,
  ),

  // Params: queue_id, states, visible_ats, bodies, delays, push_headers, now, expires_at, topics, attributes
  // (arrays in order)
  insertMessages: s(
    'insert_messages',
    `INSERT INTO messages (queue_id, state, visible_at, body, delay, push_headers, created_at, updated_at,
       expires_at, topic, attributes)
     SELECT $1, m.state, m.visible_at, m.body, m.delay, m.push_headers, $7, $7, $8, m.topic, m.attributes
       FROM unnest($2::smallint[], $3::bigint[], $4::text[], $5::int[], $6::text[], $9::text[], $10::text[])
            WITH ORDINALITY AS m(state, visible_at, body, delay, push_headers, topic, attributes, ord)
      ORDER BY m.ord
     RETURNING id`,
  ),
  // Params: id
  getMessageById: s('get_message_by_id', 'SELECT * FROM messages WHERE id = $1'),
  // Params: id. Locks the message: acknowledgements and recorded attempts of one message run one at a time.
  lockMessageById: s('lock_message_by_id', 'SELECT * FROM messages WHERE id = $1 FOR UPDATE'),
  // Params: id, queue_id, now (unexpired only)
  getMessage: s('get_message', 'SELECT * FROM messages WHERE id = $1 AND queue_id = $2 AND expires_at > $3'),
  // Params: id, queue_id, now. The same, locked for the write that follows (delete, touch, release …).
  lockMessage: s(
    'lock_message',
    'SELECT * FROM messages WHERE id = $1 AND queue_id = $2 AND expires_at > $3 FOR UPDATE',
  ),
  // Params: queue_id, now, limit. The available head (messages_available); rows another transaction is
  // reserving are skipped, not waited for.
  headOfQueue: s(
    'head_of_queue',
    `SELECT * FROM messages WHERE queue_id = $1 AND state = 0 AND expires_at > $2 ORDER BY id LIMIT $3
       FOR UPDATE SKIP LOCKED`,
  ),
  // Params: queue_id, now, limit. The same without locking: what a peek shows.
  peekHead: s(
    'peek_head',
    'SELECT * FROM messages WHERE queue_id = $1 AND state = 0 AND expires_at > $2 ORDER BY id LIMIT $3',
  ),
  // Params: queue_id, now, limit. Scheduled messages whose delay has ended (messages_timers).
  dueScheduled: s(
    'due_scheduled',
    `SELECT * FROM messages WHERE queue_id = $1 AND state = 1 AND visible_at <= $2 AND expires_at > $2
       ORDER BY id LIMIT $3`,
  ),
  // Params: queue_id, now, limit. Scheduled or reserved messages whose timer has fired (messages_timers).
  dueMessages: s(
    'due_messages',
    `SELECT * FROM messages WHERE queue_id = $1 AND state IN (1, 2) AND visible_at <= $2 AND expires_at > $2
       ORDER BY id LIMIT $3`,
  ),
  // Params: overdue_ms, updated_at, queue_id, now. Reservations that ran out on a consumer queue: overdue,
  // delayed_at = when the reservation ended (SET reads the row as it was).
  reservedToOverdue: s(
    'reserved_to_overdue',
    `UPDATE messages SET state = 3, delayed_at = visible_at, visible_at = visible_at + $1, updated_at = $2
       WHERE queue_id = $3 AND state = 2 AND visible_at <= $4`,
  ),
  // Params: error, updated_at, queue_id, now. Overdue messages whose grace ended: failed (not in size),
  // failed_at = when the grace ended.
  overdueToFailed: s(
    'overdue_to_failed',
    `UPDATE messages SET state = 4, error = $1, reservation_id = NULL, failed_at = visible_at, updated_at = $2
       WHERE queue_id = $3 AND state = 3 AND visible_at <= $4`,
  ),
  // Params: updated_at, queue_id, now. Delays that ended: available.
  scheduledToAvailable: s(
    'scheduled_to_available',
    'UPDATE messages SET state = 0, updated_at = $1 WHERE queue_id = $2 AND state = 1 AND visible_at <= $3',
  ),
  // Params: updated_at, queue_id, now. A timed-out reservation is pending again from when it ended.
  promoteDue: s(
    'promote_due',
    `UPDATE messages SET state = 0, reservation_id = NULL, updated_at = $1,
       pending_at = CASE WHEN state = 2 THEN visible_at ELSE pending_at END
       WHERE queue_id = $2 AND state IN (1, 2) AND visible_at <= $3`,
  ),
  // Params: reservation_id, visible_at (reserved until), reservation_timeout, updated_at, active_at (also kept as
  // the first reservation's time), id
  reserveMessage: s(
    'reserve_message',
    `UPDATE messages SET state = 2, reservation_id = $1, visible_at = $2, reservation_timeout = $3,
       reserved_count = reserved_count + 1, updated_at = $4, active_at = $5,
       first_reserved_at = COALESCE(first_reserved_at, $5) WHERE id = $6`,
  ),
  // Params: reservation_id, visible_at (reserved until), reservation_timeout, updated_at, id
  touchMessage: s(
    'touch_message',
    'UPDATE messages SET reservation_id = $1, visible_at = $2, reservation_timeout = $3, updated_at = $4 WHERE id = $5',
  ),
  // Params: state (0|1), visible_at, updated_at, pending_at, id
  releaseMessage: s(
    'release_message',
    `UPDATE messages SET state = $1, visible_at = $2, reservation_id = NULL, updated_at = $3, pending_at = $4
      WHERE id = $5`,
  ),
  // Params: queue_id, updated_at, id. Moves a message to another queue (dead letter), keeping id and counts.
  moveMessage: s(
    'move_message',
    'UPDATE messages SET queue_id = $1, state = 0, reservation_id = NULL, updated_at = $2 WHERE id = $3',
  ),
  // Params: id
  deleteMessage: s('delete_message', 'DELETE FROM messages WHERE id = $1'),
  // Params: ids
  deleteMessages: s('delete_messages', 'DELETE FROM messages WHERE id = ANY($1::bigint[])'),
  // Params: updated_at, completed_at, id. Kept as completed (a consumer retains what it completes).
  retainCompleted: s(
    'retain_completed',
    'UPDATE messages SET state = 5, reservation_id = NULL, updated_at = $1, completed_at = $2 WHERE id = $3',
  ),
  // Params: updated_at, pending_at, id. A failed message back to available, at its old place.
  retryMessage: s(
    'retry_message',
    'UPDATE messages SET state = 0, reservation_id = NULL, updated_at = $1, pending_at = $2 WHERE id = $3',
  ),
  // Params: error, updated_at, failed_at, id
  failMessage: s(
    'fail_message',
    `UPDATE messages SET state = 4, error = $1, reservation_id = NULL, updated_at = $2, failed_at = $3
      WHERE id = $4`,
  ),
  // Params: queue_id. Messages per stored state.
  countStates: s(
    'count_states',
    'SELECT state, count(*) AS n FROM messages WHERE queue_id = $1 GROUP BY state',
  ),
  // Params: queue_id, state
  countState: s('count_state', 'SELECT count(*) AS n FROM messages WHERE queue_id = $1 AND state = $2'),
  // Params: queue_id, states, limit
  listStates: s(
    'list_states',
    'SELECT * FROM messages WHERE queue_id = $1 AND state = ANY($2::smallint[]) ORDER BY id LIMIT $3',
  ),
  // Params: queue_id, state
  deleteState: s('delete_state', 'DELETE FROM messages WHERE queue_id = $1 AND state = $2'),
  // Params: updated_at, pending_at, queue_id. Failed messages back to available, at their old place (the front).
  retryAllFailed: s(
    'retry_all_failed',
    `UPDATE messages SET state = 0, visible_at = 0, updated_at = $1, pending_at = $2
      WHERE queue_id = $3 AND state = 4`,
  ),
  // Params: now, id
  markActive: s('mark_active', 'UPDATE queues SET last_active_at = $1 WHERE id = $2'),
  // Params: now, limit. Queues whose idle expiry has passed, locked (skipping those another node is on).
  idleQueues: s(
    'idle_queues',
    `SELECT * FROM queues WHERE idle_expiry > 0 AND last_active_at + idle_expiry * 1000 <= $1
       ORDER BY last_active_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
  ),
  // Params: now, limit. Queues with reservation or overdue timers that have fired (messages_held_due).
  queuesWithDueTimers: s(
    'queues_with_due_timers',
    'SELECT DISTINCT queue_id FROM messages WHERE state IN (2, 3) AND visible_at <= $1 LIMIT $2',
  ),
  // Params: project_id. Every topic filter of the project's queues, for its routing index.
  projectTopics: s(
    'project_topics',
    `SELECT t.queue_id, t.filter FROM queue_topics t JOIN queues q ON q.id = t.queue_id
      WHERE q.project_id = $1 ORDER BY t.position`,
  ),
  // Params: project_id
  topicsVersion: s('topics_version', 'SELECT topics_version FROM projects WHERE id = $1'),
  // Params: project_id. Cached routes of the project are rebuilt by every reader after this.
  bumpTopicsVersion: s(
    'bump_topics_version',
    'UPDATE projects SET topics_version = topics_version + 1 WHERE id = $1',
  ),
  // Params: queue_id
  clearTopics: s('clear_topics', 'DELETE FROM queue_topics WHERE queue_id = $1'),
  // Params: queue_id, filters (in order)
  addTopics: s(
    'add_topics',
    `INSERT INTO queue_topics (queue_id, filter)
     SELECT $1, f FROM unnest($2::text[]) WITH ORDINALITY AS t(f, ord) ORDER BY ord
     ON CONFLICT DO NOTHING`,
  ),
  // Params: queue_id
  hasTopics: s('has_topics', 'SELECT 1 AS found FROM queue_topics WHERE queue_id = $1 LIMIT 1'),
  // Params: limit
  queueStats: s(
    'queue_stats',
    `SELECT q.project_id AS "projectId", q.name, q.size,
       (SELECT count(*) FROM messages m WHERE m.queue_id = q.id AND m.state = 2) AS reserved
     FROM queues q ORDER BY q.id LIMIT $1`,
  ),
  // Params: key
  getSetting: s('get_setting', 'SELECT value FROM server_settings WHERE key = $1'),
  // Params: key, value
  putSettingIfAbsent: s(
    'put_setting_if_absent',
    'INSERT INTO server_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
  ),
  // Params: queue_id
  clearQueue: s('clear_queue', 'DELETE FROM messages WHERE queue_id = $1'),
  // Params: queue_id
  nextTimer: s(
    'next_timer',
    'SELECT min(visible_at) AS at FROM messages WHERE queue_id = $1 AND state IN (1, 2)',
  ),
  // Params: now, limit. Expired messages, locked; those another transaction holds are left for the next pass.
  expired: s(
    'expired',
    `SELECT id, queue_id, state FROM messages WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2
       FOR UPDATE SKIP LOCKED`,
  ),
  // Params: state, expires_at (cap), updated_at, completed_at, id. Ends a push message: kept (not in size) for
  // its statuses.
  completeMessage: s(
    'complete_message',
    `UPDATE messages SET state = $1, expires_at = LEAST(expires_at, $2), updated_at = $3, completed_at = $4
      WHERE id = $5`,
  ),

  // ---- push deliveries ----
  // Params: message_ids, subscribers, queue_id, positions, urls, headers, status, retries_remaining, due_ats
  insertDeliveries: s(
    'insert_deliveries',
    `INSERT INTO push_deliveries (message_id, subscriber, queue_id, position, url, headers, status,
       retries_remaining, due_at)
     SELECT d.message_id, d.subscriber, $3, d.position, d.url, d.headers, $7, $8, d.due_at
       FROM unnest($1::bigint[], $2::text[], $4::int[], $5::text[], $6::text[], $9::bigint[])
            AS d(message_id, subscriber, position, url, headers, due_at)`,
  ),
  // Params: now, saturated queue ids, limit. Candidates for the dispatcher, oldest due first, skipping queues
  // already at their in-flight limit and rows another node is claiming.
  dueDeliveries: s(
    'due_deliveries',
    `SELECT d.*, m.body, m.push_headers, q.project_id, q.name AS queue_name
       FROM push_deliveries d JOIN messages m ON m.id = d.message_id JOIN queues q ON q.id = d.queue_id
      WHERE d.due_at IS NOT NULL AND d.due_at <= $1 AND NOT (d.queue_id = ANY($2::bigint[]))
      ORDER BY d.due_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED`,
  ),
  // Params: lease end, message_id, subscriber
  leaseDelivery: s(
    'lease_delivery',
    'UPDATE push_deliveries SET due_at = $1, leased_until = $1 WHERE message_id = $2 AND subscriber = $3',
  ),
  // Params: now. Deliveries in flight (leased past now), per queue (push_deliveries_leased).
  leasedPerQueue: s(
    'leased_per_queue',
    'SELECT queue_id, count(*) AS n FROM push_deliveries WHERE leased_until > $1 GROUP BY queue_id',
  ),
  // Params: lock key. Claims run one at a time over every node, so per-queue limits count every lease.
  claimLock: s('claim_lock', 'SELECT pg_advisory_xact_lock($1)'),
  // Params: message_id, subscriber
  getDelivery: s('get_delivery', 'SELECT * FROM push_deliveries WHERE message_id = $1 AND subscriber = $2'),
  // Params: message_id
  messageDeliveries: s(
    'message_deliveries',
    'SELECT * FROM push_deliveries WHERE message_id = $1 ORDER BY position',
  ),
  // Params: status, status_code, error, tries, retries_remaining, due_at, last_try_at, reservation_id,
  // message_id, subscriber
  saveDelivery: s(
    'save_delivery',
    `UPDATE push_deliveries SET status = $1, status_code = $2, error = $3, tries = $4, retries_remaining = $5,
       due_at = $6, last_try_at = $7, reservation_id = $8 WHERE message_id = $9 AND subscriber = $10`,
  ),
  // Params: message_id, subscriber. The attempt is recorded: it is no longer in flight.
  endLease: s(
    'end_lease',
    'UPDATE push_deliveries SET leased_until = NULL WHERE message_id = $1 AND subscriber = $2',
  ),
  nextDelivery: s('next_delivery', 'SELECT min(due_at) AS at FROM push_deliveries WHERE due_at IS NOT NULL'),

  // ---- alerts ----
  // Params: queue_id, alert_id
  getAlertState: s('get_alert_state', 'SELECT * FROM alert_state WHERE queue_id = $1 AND alert_id = $2'),
  // Params: queue_id, alert_id, armed, level, last_fired_at
  putAlertState: s(
    'put_alert_state',
    `INSERT INTO alert_state (queue_id, alert_id, armed, level, last_fired_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (queue_id, alert_id) DO UPDATE SET armed = excluded.armed, level = excluded.level,
       last_fired_at = excluded.last_fired_at`,
  ),
  // Params: queue_id
  alertStates: s('alert_states', 'SELECT alert_id FROM alert_state WHERE queue_id = $1'),
  // Params: queue_id, alert_id
  deleteAlertState: s('delete_alert_state', 'DELETE FROM alert_state WHERE queue_id = $1 AND alert_id = $2'),

  // ---- SQS ----
  // Params: queue_id, now, requeue (true: timed-out reservations are available again; false: overdue, still
  // held). A queue's live messages as a receive sees them now.
  countMessages: s(
    'sqs_count_messages',
    `SELECT
       count(*) FILTER (WHERE state = 0 OR (visible_at <= $2 AND (state = 1 OR (state = 2 AND $3::boolean))))
         AS available,
       count(*) FILTER (WHERE (state = 2 AND (visible_at > $2 OR NOT $3::boolean)) OR state = 3) AS in_flight,
       count(*) FILTER (WHERE state = 1 AND visible_at > $2) AS delayed
     FROM messages WHERE queue_id = $1 AND state IN (0, 1, 2, 3) AND expires_at > $2`,
  ),
  // Params: project_id, dead-letter queue name, after, limit (queues_dead_letter)
  deadLetterSources: s(
    'sqs_dead_letter_sources',
    `SELECT name FROM queues WHERE project_id = $1 AND dead_letter_queue = $2 AND name > $3
     ORDER BY name LIMIT $4`,
  ),
  // Params: access_key_id, project_id, secret, name, created_at
  insertSqsKey: s(
    'sqs_insert_key',
    'INSERT INTO sqs_keys (access_key_id, project_id, secret, name, created_at) VALUES ($1, $2, $3, $4, $5)',
  ),
  // Params: access_key_id
  getSqsKey: s('sqs_get_key', 'SELECT * FROM sqs_keys WHERE access_key_id = $1'),
  listAllSqsKeys: s('sqs_list_all_keys', 'SELECT * FROM sqs_keys ORDER BY created_at, access_key_id'),
  // Params: project_id
  listProjectSqsKeys: s(
    'sqs_list_project_keys',
    'SELECT * FROM sqs_keys WHERE project_id = $1 ORDER BY created_at, access_key_id',
  ),
  // Params: now, access_key_id
  revokeSqsKey: s(
    'sqs_revoke_key',
    'UPDATE sqs_keys SET revoked_at = $1 WHERE access_key_id = $2 AND revoked_at IS NULL RETURNING access_key_id',
  ),
} as const;
