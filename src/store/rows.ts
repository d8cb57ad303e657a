import { LIMITS } from '../domain/limits';
import {
  effectiveError,
  effectiveState,
  effectiveStatusTimes,
  isHeld,
  type TimeoutPolicy,
} from '../domain/message-states';
import type { RoundDelivery } from '../domain/push-rounds';
import type {
  Alert,
  DeadLetter,
  Delivery,
  Message,
  MessageAttributes,
  MessageState,
  PushSettings,
  PushStatus,
  Queue,
  QueueSettings,
  QueueType,
  SqsQueueSettings,
  StatusTimes,
} from '../domain/types';

/**
 * Row shapes as both backends return them (the same columns and meanings: migrations/sqlite and
 * migrations/postgres), and their mapping to domain objects.
 */

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
  settings_version: number;
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
  pending_at: number | null;
  active_at: number | null;
  delayed_at: number | null;
  failed_at: number | null;
  completed_at: number | null;
  attributes: string | null;
  first_reserved_at: number | null;

  /** The queue a dead letter was moved from (0006); null otherwise. */
  dead_letter_from: string | null;
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
  leased_until: number | null;
}

/** Stored state codes; the partial indexes in 0001_init.sql name them, so they never change. */
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

export function stateName(code: number): MessageState {
  return STATE_NAMES[code] ?? 'available';
}

/** A queue row's timeout policy, in the domain's terms. */
export function policyOf(queue: QueueRow): TimeoutPolicy {
  return {
    onTimeout: queue.on_timeout === 'overdue' ? 'overdue' : 'requeue',
    overdueTimeout: queue.overdue_timeout,
  };
}

/** The state a stored message is in at `now` (domain rule; timers are applied lazily). */
export function stateOf(row: MessageRow, now: number, policy: TimeoutPolicy): MessageState {
  return effectiveState(stateName(row.state), row.visible_at, now, policy);
}

/** What queues.extra holds (JSON): settings the engine never queries on. */
export interface QueueExtra {
  push?: PushSettings | null;
  alerts?: Alert[];
  /** The queue's topic filters in the order they were set; queue_topics indexes them for routing. */
  topics?: string[];
  sqs?: SqsQueueSettings;
  tags?: Record<string, string>;
}

export function parseExtra(row: QueueRow): QueueExtra {
  return row.extra === '{}' ? {} : (JSON.parse(row.extra) as QueueExtra);
}

export function extraOf(settings: QueueSettings): string {
  const extra: QueueExtra = {};
  if (settings.push) extra.push = settings.push;
  if (settings.alerts.length > 0) extra.alerts = settings.alerts;
  if (settings.topics.length > 0) extra.topics = settings.topics;
  if (settings.sqs) extra.sqs = settings.sqs;
  if (Object.keys(settings.tags).length > 0) extra.tags = settings.tags;
  return JSON.stringify(extra);
}

export function deadLetterOf(row: QueueRow): DeadLetter | null {
  if (row.dead_letter_queue === null) return null;
  return {
    queueName: row.dead_letter_queue,
    maxReservations: row.dead_letter_max ?? LIMITS.defaultDeadLetterReservations,
  };
}

export function toQueue(row: QueueRow): Queue {
  const extra = parseExtra(row);
  return {
    id: String(row.id),
    version: row.settings_version,
    projectId: row.project_id,
    name: row.name,
    type: row.type as QueueType,
    messageTimeout: row.message_timeout,
    messageExpiration: row.message_expiration,
    deadLetter: deadLetterOf(row),
    push: extra.push ?? null,
    alerts: extra.alerts ?? [],
    topics: extra.topics ?? [],
    sqs: extra.sqs ?? null,
    tags: extra.tags ?? {},
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

export function parseHeaders(json: string | null): Record<string, string> | null {
  return json === null ? null : (JSON.parse(json) as Record<string, string>);
}

export function parseAttributes(json: string | null): MessageAttributes | null {
  return json === null ? null : (JSON.parse(json) as MessageAttributes);
}

/** The stored status times of a message row (statusHistory), the statuses never entered left out. */
export function storedStatusTimes(row: MessageRow): StatusTimes {
  const times: StatusTimes = {};
  if (row.pending_at !== null) times.pending = row.pending_at;
  if (row.active_at !== null) times.active = row.active_at;
  if (row.delayed_at !== null) times.delayed = row.delayed_at;
  if (row.failed_at !== null) times.failed = row.failed_at;
  if (row.completed_at !== null) times.completed = row.completed_at;
  return times;
}

export function toMessage(row: MessageRow, queueName: string, now: number, policy: TimeoutPolicy): Message {
  const stored = stateName(row.state);
  const state = effectiveState(stored, row.visible_at, now, policy);
  const held = isHeld(state);
  return {
    id: String(row.id),
    queueName,
    state,
    body: row.body,
    reservedCount: row.reserved_count,
    reservationId: held ? row.reservation_id : null,
    visibleAt: row.visible_at,
    reservationTimeout: held ? row.reservation_timeout : null,
    delay: row.delay,
    pushHeaders: parseHeaders(row.push_headers),
    topic: row.topic,
    error: effectiveError(stored, state, row.error),
    statusTimes: effectiveStatusTimes(stored, state, row.visible_at, storedStatusTimes(row), policy),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    attributes: parseAttributes(row.attributes),
    firstReservedAt: row.first_reserved_at,
  };
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

export function toRoundDelivery(row: DeliveryRow): RoundDelivery {
  return {
    subscriber: row.subscriber,
    position: row.position,
    url: row.url,
    status: row.status as PushStatus,
    statusCode: row.status_code,
    error: row.error,
    tries: row.tries,
    retriesRemaining: row.retries_remaining,
    dueAt: row.due_at,
    lastTryAt: row.last_try_at,
    reservationId: row.reservation_id,
  };
}

/** A live message id of the store's own (digits): anything else names no message. */
export function messageIdOf(id: string): number | null {
  return /^\d{1,18}$/.test(id) ? Number(id) : null;
}
