import { newReservationId } from '../../domain/ids';
import { REQUEUE } from '../../domain/message-states';
import { QUEUE_MISSING, type MessageOpFailure } from '../../domain/outcomes';
import type { Message, MessageRef, NewMessage } from '../../domain/types';
import { messageIdOf, toMessage, type MessageRow } from '../rows';
import type { PostResult, ReleaseRequest, ReserveRequest, ReserveResult, TouchRequest } from '../store';

/**
 * Single-statement versions of the hot operations on plain IronMQ pull queues. Each is one statement (a reserve
 * is two), atomic on its own, that either does the whole operation — with the same domain rules as the general
 * path, written in SQL — or changes nothing and says NOT_FAST (the queue has alerts, a dead-letter rule, a
 * concurrency cap, a consumer's timeout policy …), after which the store runs the general path. Because each
 * is one statement whose effects the next statement sees, concurrent requests can share one transaction, one
 * round trip and one commit (batch.ts).
 */

export const NOT_FAST = Symbol('not fast');

export interface FastOperation<T> {
  /** Orders the operations of a batch (queue rows are locked in the same order by every node). */
  lockKey: string;
  statements: { name: string; text: string; values: unknown[] }[];
  /** The answer from the statements' results, or NOT_FAST to run the general path. */
  read(results: { rows: Record<string, unknown>[] }[]): T | typeof NOT_FAST;
}

/** Queues the fast paths serve: no alerts to evaluate on a size change (the text is the whole extra column). */
const NO_ALERTS = `(q.extra = '{}' OR NOT (q.extra::jsonb ? 'alerts'))`;

// Params: project_id, name, count, now, bodies, delays, push_headers, attributes. Ids of the new messages, none when the
// queue is missing or not a plain pull queue.
const POST = {
  name: 'fast_post',
  text: `WITH q AS (
      UPDATE queues q SET size = size + $3, total_messages = total_messages + $3, updated_at = $4
       WHERE q.project_id = $1 AND q.name = $2 AND q.type = 'pull' AND ${NO_ALERTS}
      RETURNING q.id, q.message_expiration
    )
    INSERT INTO messages (queue_id, state, visible_at, body, delay, push_headers, created_at, updated_at, expires_at,
                          attributes)
    SELECT q.id, CASE WHEN m.delay > 0 THEN 1 ELSE 0 END, $4 + m.delay * 1000, m.body, m.delay, m.push_headers,
           $4, $4, $4 + q.message_expiration * 1000, m.attributes
      FROM q, unnest($5::text[], $6::int[], $7::text[], $8::text[])
           WITH ORDINALITY AS m(body, delay, push_headers, attributes, ord)
     ORDER BY m.ord
    RETURNING id`,
};

export function postMessages(
  projectId: string,
  name: string,
  messages: readonly NewMessage[],
  now: number,
): FastOperation<PostResult> | null {
  if (messages.some((m) => m.topic !== undefined && m.topic !== null)) return null;
  return {
    lockKey: `${projectId}/${name}`,
    statements: [
      {
        ...POST,
        values: [
          projectId,
          name,
          messages.length,
          now,
          messages.map((m) => m.body),
          messages.map((m) => m.delay),
          messages.map((m) => (m.pushHeaders === null ? null : JSON.stringify(m.pushHeaders))),
          messages.map((m) => (m.attributes ? JSON.stringify(m.attributes) : null)),
        ],
      },
    ],
    read: ([result]) => {
      const ids = result!.rows.map((r) => r.id as number);
      if (ids.length === 0) return NOT_FAST;
      return { ids: ids.sort((a, b) => a - b).map(String), deliveries: 0 };
    },
  };
}

// Params: project_id, name, now. Applies the queue's fired timers (delays ended, reservations timed out) so the
// reserve that follows in the same transaction sees them at the front; only on queues that requeue.
const PROMOTE = {
  name: 'fast_promote',
  text: `UPDATE messages SET state = 0, reservation_id = NULL, updated_at = $3,
           pending_at = CASE WHEN state = 2 THEN visible_at ELSE pending_at END
      WHERE queue_id = (SELECT id FROM queues WHERE project_id = $1 AND name = $2 AND on_timeout = 'requeue')
        AND state IN (1, 2) AND visible_at <= $3`,
};

// Params: project_id, name, now, timeout (NULL: the queue's), n, reservation ids. The available head, locked
// with SKIP LOCKED so concurrent reserves on any node take different messages, reserved in the same statement.
const RESERVE = {
  name: 'fast_reserve',
  text: `WITH q AS (
      SELECT * FROM queues WHERE project_id = $1 AND name = $2
    ), fast AS (
      SELECT id, COALESCE($4::int, message_timeout) AS timeout FROM q
       WHERE type = 'pull' AND dead_letter_queue IS NULL AND max_in_flight = 0 AND on_timeout = 'requeue'
         AND idle_expiry = 0
    ), picked AS (
      SELECT m.id FROM messages m
       WHERE m.queue_id = (SELECT id FROM fast) AND m.state = 0 AND m.expires_at > $3
       ORDER BY m.id LIMIT $5 FOR UPDATE SKIP LOCKED
    ), numbered AS (
      SELECT id, row_number() OVER (ORDER BY id) AS rn FROM picked
    ), reserved AS (
      UPDATE messages m SET state = 2, reservation_id = ($6::text[])[n.rn], visible_at = $3 + f.timeout * 1000,
             reservation_timeout = f.timeout, reserved_count = m.reserved_count + 1, updated_at = $3,
             active_at = $3, first_reserved_at = COALESCE(m.first_reserved_at, $3)
        FROM numbered n, fast f WHERE m.id = n.id
      RETURNING m.*
    )
    SELECT (SELECT count(*) FROM q) AS queue_found, (SELECT count(*) FROM fast) AS fast_ok, r.*
      FROM (SELECT 1) AS one LEFT JOIN reserved r ON true ORDER BY r.id`,
};

export function reserveMessages(request: ReserveRequest): FastOperation<ReserveResult | null> | null {
  if (request.deleteOnReserve) return null;
  const { projectId, name, now, n } = request;
  const reservationIds = Array.from({ length: n }, () => newReservationId());
  return {
    lockKey: `${projectId}/${name}`,
    statements: [
      { ...PROMOTE, values: [projectId, name, now] },
      { ...RESERVE, values: [projectId, name, now, request.timeoutSeconds, n, reservationIds] },
    ],
    read: ([, result]) => {
      const rows = result!.rows;
      const first = rows[0]!;
      if (Number(first.queue_found) === 0) return null;
      if (Number(first.fast_ok) === 0) return NOT_FAST;
      const messages: Message[] = rows
        .filter((r) => r.id !== null)
        .map((r) => toMessage(r as unknown as MessageRow, name, now, REQUEUE));
      return { messages, deadLettered: 0, pushQueue: false, atCapacity: false };
    },
  };
}

// Params: project_id, name, ids, reservation ids (NULL: none given), now. All or nothing: the first refused item
// (in request order) is reported and nothing is deleted. The states and checks are message-states.ts's
// checkDelete on a queue that requeues: held = reserved and not timed out, or overdue.
const DELETE = {
  name: 'fast_delete',
  text: `WITH q AS (
      SELECT * FROM queues WHERE project_id = $1 AND name = $2
    ), fast AS (
      SELECT q.id FROM q WHERE q.retain_completed = 0 AND q.on_timeout = 'requeue' AND ${NO_ALERTS}
    ), items AS (
      SELECT i.id, i.rid, i.ord FROM unnest($3::bigint[], $4::text[]) WITH ORDINALITY AS i(id, rid, ord)
    ), target AS (
      SELECT m.id, m.state, m.visible_at, m.reservation_id, i.rid, i.ord
        FROM items i JOIN messages m ON m.id = i.id
       WHERE m.queue_id = (SELECT id FROM fast) AND m.expires_at > $5 AND m.state IN (0, 1, 2, 3)
       FOR UPDATE OF m
    ), problems AS (
      SELECT ord, 'message_not_found' AS failure FROM items WHERE ord NOT IN (SELECT ord FROM target)
      UNION ALL
      SELECT ord,
        CASE
          WHEN (state = 2 AND visible_at > $5) OR state = 3 THEN
            CASE WHEN rid IS NULL THEN 'message_reserved'
                 WHEN rid = reservation_id THEN NULL ELSE 'reservation_mismatch' END
          WHEN rid IS NULL THEN NULL
          ELSE 'reservation_mismatch'
        END
      FROM target
    ), refused AS (
      SELECT ord, failure FROM problems WHERE failure IS NOT NULL ORDER BY ord LIMIT 1
    ), deleted AS (
      DELETE FROM messages WHERE id IN (SELECT id FROM target)
         AND NOT EXISTS (SELECT 1 FROM refused) AND EXISTS (SELECT 1 FROM fast)
      RETURNING id
    ), counted AS (
      UPDATE queues SET size = size - (SELECT count(*) FROM deleted), updated_at = $5
       WHERE id = (SELECT id FROM fast) AND EXISTS (SELECT 1 FROM deleted)
      RETURNING size
    )
    SELECT (SELECT count(*) FROM q) AS queue_found, (SELECT count(*) FROM fast) AS fast_ok,
           (SELECT ord FROM refused) AS refused_ord, (SELECT failure FROM refused) AS failure,
           (SELECT count(*) FROM counted) AS counted`,
};

export function deleteMessages(
  projectId: string,
  name: string,
  items: readonly MessageRef[],
  now: number,
): FastOperation<MessageOpFailure | null> | null {
  const ids = items.map((item) => messageIdOf(item.id));
  // Unusual requests (ids that are not ours, the same id twice) take the general path, which answers them.
  if (ids.some((id) => id === null) || new Set(ids).size !== ids.length || items.length === 0) return null;
  return {
    lockKey: `${projectId}/${name}`,
    statements: [{ ...DELETE, values: [projectId, name, ids, items.map((item) => item.reservationId), now] }],
    read: ([result]) => {
      const r = result!.rows[0]!;
      if (Number(r.queue_found) === 0) return QUEUE_MISSING;
      if (Number(r.fast_ok) === 0) return NOT_FAST;
      if (r.failure === null) return null;
      const item = items[Number(r.refused_ord) - 1]!;
      const kind = r.failure as 'message_not_found' | 'message_reserved' | 'reservation_mismatch';
      // As the general path: a missing message is named as asked, a found one by its own id.
      return { kind, id: kind === 'message_not_found' ? item.id : String(messageIdOf(item.id)) };
    },
  };
}

// Params: project_id, name, id, reservation id, new reservation id, now, timeout (NULL: the queue's). Only a live
// reservation under that id; anything else changes nothing and the general path names the refusal.
const TOUCH = {
  name: 'fast_touch',
  text: `WITH q AS (SELECT id, message_timeout FROM queues WHERE project_id = $1 AND name = $2)
    UPDATE messages m SET reservation_id = $5, visible_at = $6 + COALESCE($7::int, q.message_timeout) * 1000,
           reservation_timeout = COALESCE($7::int, q.message_timeout), updated_at = $6
      FROM q
     WHERE m.id = $3 AND m.queue_id = q.id AND m.expires_at > $6 AND m.state = 2 AND m.visible_at > $6
       AND m.reservation_id = $4
    RETURNING m.*`,
};

export function touchMessage(request: TouchRequest): FastOperation<Message | MessageOpFailure> | null {
  const id = messageIdOf(request.id);
  if (id === null) return null;
  return {
    lockKey: `${request.projectId}/${request.name}`,
    statements: [
      {
        ...TOUCH,
        values: [
          request.projectId,
          request.name,
          id,
          request.reservationId,
          request.newReservationId,
          request.now,
          request.timeoutSeconds,
        ],
      },
    ],
    read: ([result]) => {
      const found = result!.rows[0];
      if (!found) return NOT_FAST;
      return toMessage(found as unknown as MessageRow, request.name, request.now, REQUEUE);
    },
  };
}

// Params: project_id, name, id, now, delay seconds, reservation id
const RELEASE = {
  name: 'fast_release',
  text: `UPDATE messages m SET state = CASE WHEN $5::int > 0 THEN 1 ELSE 0 END, visible_at = $4 + $5::int * 1000,
           reservation_id = NULL, updated_at = $4, pending_at = $4
     WHERE m.id = $3 AND m.queue_id = (SELECT id FROM queues WHERE project_id = $1 AND name = $2)
       AND m.expires_at > $4 AND m.state = 2 AND m.visible_at > $4 AND m.reservation_id = $6
    RETURNING m.id`,
};

export function releaseMessage(request: ReleaseRequest): FastOperation<MessageOpFailure | null> | null {
  const id = messageIdOf(request.id);
  if (id === null) return null;
  return {
    lockKey: `${request.projectId}/${request.name}`,
    statements: [
      {
        ...RELEASE,
        values: [
          request.projectId,
          request.name,
          id,
          request.now,
          request.delaySeconds,
          request.reservationId,
        ],
      },
    ],
    read: ([result]) => (result!.rows.length > 0 ? null : NOT_FAST),
  };
}
