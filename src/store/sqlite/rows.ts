import type {
  Alert,
  Delivery,
  Message,
  MessageState,
  PushSettings,
  PushStatus,
  Queue,
  QueueType,
} from '../../domain/types';

/** Row shapes as better-sqlite3 returns them, and their mapping to domain objects. */

export interface QueueRow {
  id: number;
  project_id: string;
  name: string;
  type: string;
  message_timeout: number;
  message_expiration: number;
  dead_letter_queue: string | null;
  dead_letter_max: number | null;
  extra: string;
  on_timeout: string;
  overdue_timeout: number;
  max_in_flight: number;
  retain_completed: number;
  idle_expiry: number;
  last_active_at: number;
  size: number;
  total_messages: number;
  created_at: number;
  updated_at: number;
}

export interface MessageRow {
  id: number;
  queue_id: number;
  state: number;
  visible_at: number;
  body: string;
  reserved_count: number;
  reservation_id: string | null;
  reservation_timeout: number | null;
  delay: number;
  push_headers: string | null;
  error: string | null;
  topic: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

/** Stored state codes. Order matters only for readability; the partial indexes in 0001_init.sql name them. */
export const STATE = {
  available: 0,
  scheduled: 1,
  reserved: 2,
  overdue: 3,
  failed: 4,
  completed: 5,
} as const satisfies Record<MessageState, number>;

const STATE_NAMES: readonly MessageState[] = [
  'available',
  'scheduled',
  'reserved',
  'overdue',
  'failed',
  'completed',
];

/** States counted in a queue's `size`. */
export function isLive(state: number): boolean {
  return state <= STATE.overdue;
}

/** What a queue's timers do: IronMQ requeues timed-out reservations; CrimsonQ consumers make them overdue. */
export interface TimeoutPolicy {
  on_timeout: string;
  overdue_timeout: number;
}

export const REQUEUE: TimeoutPolicy = { on_timeout: 'requeue', overdue_timeout: 0 };

/**
 * The state a message is in at `now`, whether or not a write has promoted it yet: promotion is lazy (reserve,
 * and the timeouts job, write it), so every read goes through this.
 */
export function effectiveState(row: MessageRow, now: number, policy: TimeoutPolicy = REQUEUE): number {
  if (row.visible_at > now) return row.state;
  if (row.state === STATE.scheduled) return STATE.available;
  if (policy.on_timeout !== 'overdue') return row.state === STATE.reserved ? STATE.available : row.state;
  if (row.state === STATE.reserved) {
    return row.visible_at + policy.overdue_timeout * 1000 <= now ? STATE.failed : STATE.overdue;
  }
  if (row.state === STATE.overdue) return STATE.failed;
  return row.state;
}

export const OVERDUE_ERROR = 'Job took too long to execute';

/** What queues.extra holds (JSON). */
export interface QueueExtra {
  push?: PushSettings | null;
  alerts?: Alert[];
}

export function parseExtra(row: QueueRow): QueueExtra {
  return row.extra === '{}' ? {} : (JSON.parse(row.extra) as QueueExtra);
}

export function toQueue(row: QueueRow, topics: string[] = []): Queue {
  const extra = parseExtra(row);
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    type: row.type as QueueType,
    messageTimeout: row.message_timeout,
    messageExpiration: row.message_expiration,
    deadLetter:
      row.dead_letter_queue === null
        ? null
        : { queueName: row.dead_letter_queue, maxReservations: row.dead_letter_max ?? 10 },
    push: extra.push ?? null,
    alerts: extra.alerts ?? [],
    topics,
    onTimeout: row.on_timeout === 'overdue' ? 'overdue' : 'requeue',
    overdueTimeout: row.overdue_timeout,
    maxInFlight: row.max_in_flight,
    retainCompleted: row.retain_completed !== 0,
    idleExpiry: row.idle_expiry,
    lastActiveAt: row.last_active_at,
    size: row.size,
    totalMessages: row.total_messages,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface DeliveryRow {
  message_id: number;
  subscriber: string;
  queue_id: number;
  position: number;
  url: string;
  headers: string;
  status: string;
  status_code: number | null;
  error: string | null;
  tries: number;
  retries_remaining: number;
  due_at: number | null;
  last_try_at: number | null;
  reservation_id: string | null;
}

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    messageId: String(row.message_id),
    subscriber: row.subscriber,
    url: row.url,
    status: row.status as PushStatus,
    statusCode: row.status_code,
    error: row.error,
    tries: row.tries,
    retriesRemaining: row.retries_remaining,
    lastTryAt: row.last_try_at,
    reservationId: row.status === 'reserved' ? row.reservation_id : null,
  };
}

export function toMessage(
  row: MessageRow,
  queueName: string,
  now: number,
  policy: TimeoutPolicy = REQUEUE,
): Message {
  const state = effectiveState(row, now, policy);
  const held = state === STATE.reserved || state === STATE.overdue;
  return {
    id: String(row.id),
    queueName,
    state: STATE_NAMES[state] ?? 'available',
    body: row.body,
    reservedCount: row.reserved_count,
    reservationId: held ? row.reservation_id : null,
    visibleAt: row.visible_at,
    reservationTimeout: held ? row.reservation_timeout : null,
    delay: row.delay,
    pushHeaders: row.push_headers === null ? null : (JSON.parse(row.push_headers) as Record<string, string>),
    topic: row.topic,
    error: state === STATE.failed && row.state !== STATE.failed ? OVERDUE_ERROR : row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}
