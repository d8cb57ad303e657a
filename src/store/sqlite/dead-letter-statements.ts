import type Database from 'better-sqlite3';

/** Statements of dead-letter origins, redrive and queue health (0006), prepared once. Each header names its parameters. */
export function prepareDeadLetterStatements(db: Database.Database) {
  return {
    // Params: origin queue name, id. Called as a message is moved to its dead-letter queue.
    markDeadLetter: db.prepare('UPDATE messages SET dead_letter_from = ? WHERE id = ?'),
    // Params: queue_id, state, after id, now, limit. The oldest messages of one state after an id.
    oldestInState: db.prepare(
      `SELECT * FROM messages WHERE queue_id = ? AND state = ? AND id > ? AND expires_at > ?
       ORDER BY id LIMIT ?`,
    ),
    // Params: queue_id, now, updated_at, pending_at, expires_at, id. Back in a pull queue: available (pending)
    // at once, never reserved.
    redriveInto: db.prepare(
      `UPDATE messages SET queue_id = ?, state = 0, visible_at = ?, reservation_id = NULL,
         reservation_timeout = NULL, reserved_count = 0, dead_letter_from = NULL, updated_at = ?, pending_at = ?,
         expires_at = ?
       WHERE id = ?`,
    ),
    // Params: id
    deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
    // Params: project_id, dead-letter queue name
    configuredSources: db
      .prepare('SELECT name FROM queues WHERE project_id = ? AND dead_letter_queue = ? ORDER BY name')
      .pluck(),
    // Params: queue_id, now. Movable messages (available or delayed) per origin.
    origins: db.prepare(
      `SELECT dead_letter_from AS queue, count(*) AS count FROM messages
       WHERE queue_id = ? AND state IN (0, 1) AND expires_at > ? GROUP BY dead_letter_from`,
    ),
    // Params: queue_id (four times). When its oldest message not yet deleted was posted: the smallest id of
    // each live state is one index seek (messages_queue_state), and ids increase with posting time.
    oldestAt: db
      .prepare(
        `SELECT created_at FROM messages WHERE id = (SELECT min(id) FROM (
           SELECT min(id) AS id FROM messages WHERE queue_id = ? AND state = 0
           UNION ALL SELECT min(id) FROM messages WHERE queue_id = ? AND state = 1
           UNION ALL SELECT min(id) FROM messages WHERE queue_id = ? AND state = 2
           UNION ALL SELECT min(id) FROM messages WHERE queue_id = ? AND state = 3))`,
      )
      .pluck(),
    // Params: origin queue name, project_id. Dead letters from it, wherever they sit in its project.
    deadLettersFrom: db
      .prepare(
        `SELECT count(*) FROM messages m JOIN queues q ON q.id = m.queue_id
         WHERE m.dead_letter_from = ? AND q.project_id = ? AND m.state <= 3`,
      )
      .pluck(),
  };
}

export type DeadLetterStatements = ReturnType<typeof prepareDeadLetterStatements>;
