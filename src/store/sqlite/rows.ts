import type {
  Alert,
  Delivery,
  Message,
  MessageState,
  PushSettings,
  PushStatus,
  Queue,
  QueueType,
} from '../../engine/types';

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

/**
 * A reserved or scheduled message whose timer has fired is available, even before a write promotes it:
 * promotion is lazy (see reserve), so every read goes through this.
 */
export function effectiveState(row: MessageRow, now: number): number {
  if ((row.state === STATE.reserved || row.state === STATE.scheduled) && row.visible_at <= now) {
    return STATE.available;
  }
  return row.state;
}

/** What queues.extra holds (JSON). */
export interface QueueExtra {
  push?: PushSettings | null;
  alerts?: Alert[];
}

export function parseExtra(row: QueueRow): QueueExtra {
  return row.extra === '{}' ? {} : (JSON.parse(row.extra) as QueueExtra);
}

export function toQueue(row: QueueRow): Queue {
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

export function toMessage(row: MessageRow, queueName: string, now: number): Message {
  const state = effectiveState(row, now);
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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}
