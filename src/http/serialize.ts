import type { Message, Queue } from '../engine/types';

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
  created_at: string;
  updated_at: string;
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
