import { PERIODS, RESOLUTIONS, type Period } from '../domain/stats';
import type { Alert, Delivery, Message, PushSettings, Queue } from '../domain/types';
import type { ActivitySeries } from '../engine/activity';

/** Engine objects → IronMQ v3 wire JSON. Ids are strings, times RFC 3339 (the Go client parses them as such). */

const iso = (ms: number): string => new Date(ms).toISOString();

export interface WireQueue {
  id: string;
  project_id: string;
  name: string;
  size: number;
  total_messages: number;
  message_timeout: number;
  message_expiration: number;
  type: string;
  dead_letter?: { queue_name: string; max_reservations: number };
  push?: WirePush;
  alerts?: WireAlert[];
  topics?: string[];
  max_in_flight?: number;
  on_timeout?: 'overdue';
  overdue_timeout?: number;
  retain_completed?: true;
  idle_expiry?: number;
  created_at: string;
  updated_at: string;
}

export interface WirePush {
  subscribers: { name: string; url: string; headers: Record<string, string> }[];
  retries: number;
  retries_delay: number;
  error_queue: string;
}

export interface WireAlert {
  id: string;
  type: string;
  direction: string;
  trigger: number;
  queue: string;
  snooze: number;
}

export function pushToWire(push: PushSettings): WirePush {
  return {
    subscribers: push.subscribers.map((s) => ({ name: s.name, url: s.url, headers: s.headers })),
    retries: push.retries,
    retries_delay: push.retriesDelay,
    error_queue: push.errorQueue ?? '',
  };
}

export function alertToWire(alert: Alert): WireAlert {
  return { ...alert };
}

export function queueToWire(queue: Queue): WireQueue {
  const wire: WireQueue = {
    id: String(queue.id),
    project_id: queue.projectId,
    name: queue.name,
    size: queue.size,
    total_messages: queue.totalMessages,
    message_timeout: queue.messageTimeout,
    message_expiration: queue.messageExpiration,
    type: queue.type,
    created_at: iso(queue.createdAt),
    updated_at: iso(queue.updatedAt),
  };
  if (queue.deadLetter) {
    wire.dead_letter = {
      queue_name: queue.deadLetter.queueName,
      max_reservations: queue.deadLetter.maxReservations,
    };
  }
  // Omitted when not applicable, as IronMQ does.
  if (queue.push) wire.push = pushToWire(queue.push);
  if (queue.alerts.length > 0) wire.alerts = queue.alerts.map(alertToWire);
  // Extensions, shown only when set, so a plain IronMQ queue looks exactly like IronMQ's.
  if (queue.topics.length > 0) wire.topics = queue.topics;
  if (queue.maxInFlight > 0) wire.max_in_flight = queue.maxInFlight;
  if (queue.onTimeout === 'overdue') {
    wire.on_timeout = 'overdue';
    wire.overdue_timeout = queue.overdueTimeout;
  }
  if (queue.retainCompleted) wire.retain_completed = true;
  if (queue.idleExpiry > 0) wire.idle_expiry = queue.idleExpiry;
  return wire;
}

export interface WireMessage {
  id: string;
  body: string;
  reserved_count: number;
  reservation_id?: string;
  reserved_until?: string;
  timeout?: number;
  delay: number;
  push_headers?: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export function messageToWire(message: Message): WireMessage {
  const wire: WireMessage = {
    id: message.id,
    body: message.body,
    reserved_count: message.reservedCount,
    delay: message.delay,
    created_at: iso(message.createdAt),
    updated_at: iso(message.updatedAt),
  };
  if (message.reservationId !== null) {
    wire.reservation_id = message.reservationId;
    wire.reserved_until = iso(message.visibleAt);
    if (message.reservationTimeout !== null) wire.timeout = message.reservationTimeout;
  }
  if (message.pushHeaders) wire.push_headers = message.pushHeaders;
  return wire;
}

/**
 * A reserved message as GET …/reservations lists it: when its reservation ends, but not its reservation id,
 * which is its holder's proof of holding it (to delete, touch or release it) and is not handed to onlookers.
 */
export function reservedMessageToWire(message: Message): Omit<WireMessage, 'reservation_id'> {
  const wire: Partial<WireMessage> = messageToWire(message);
  delete wire.reservation_id;
  return wire as Omit<WireMessage, 'reservation_id'>;
}

export interface WireDelivery {
  name: string;
  url: string;
  status: string;
  status_code?: number;
  msg?: string;
  tries: number;
  retries_remaining: number;
  last_try_at?: string;
  reservation_id?: string;
}

/** A push status, as GET …/messages/{id}/subscribers lists them. */
export function deliveryToWire(delivery: Delivery): WireDelivery {
  const wire: WireDelivery = {
    name: delivery.subscriber,
    url: delivery.url,
    status: delivery.status,
    tries: delivery.tries,
    retries_remaining: delivery.retriesRemaining,
  };
  if (delivery.statusCode !== null) wire.status_code = delivery.statusCode;
  if (delivery.error !== null) wire.msg = delivery.error;
  if (delivery.lastTryAt !== null) wire.last_try_at = iso(delivery.lastTryAt);
  if (delivery.reservationId !== null) wire.reservation_id = delivery.reservationId;
  return wire;
}

export interface WireActivityBucket {
  start: string;
  posted: number;
  reserved: number;
  deleted: number;
  expired: number;
  dead_lettered: number;
  size: number | null;
}

/** Stats over time: per period, its bucket length and every bucket of the window, oldest first. */
export function activityToWire(
  series: ActivitySeries,
): Partial<Record<Period, { interval: number; buckets: WireActivityBucket[] }>> {
  const wire: Partial<Record<Period, { interval: number; buckets: WireActivityBucket[] }>> = {};
  for (const period of PERIODS) {
    const buckets = series[period];
    if (!buckets) continue;
    wire[period] = {
      interval: RESOLUTIONS[period].seconds,
      buckets: buckets.map((bucket) => ({
        start: iso(bucket.start),
        posted: bucket.posted,
        reserved: bucket.reserved,
        deleted: bucket.deleted,
        expired: bucket.expired,
        dead_lettered: bucket.deadLettered,
        size: bucket.size,
      })),
    };
  }
  return wire;
}
