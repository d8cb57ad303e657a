/** Domain types shared by the engine, the store interface and the HTTP serializers. Times are ms since the epoch. */

export type QueueType = 'pull' | 'multicast' | 'unicast';

/** Engine message states; see docs/design.md. Stored as small integers by the SQLite store. */
export type MessageState = 'available' | 'scheduled' | 'reserved' | 'overdue' | 'failed' | 'completed';

export interface DeadLetter {
  queueName: string;
  maxReservations: number;
}

/** The settings a client can set on a queue. */
export interface QueueSettings {
  type: QueueType;
  messageTimeout: number; // seconds
  messageExpiration: number; // seconds
  deadLetter: DeadLetter | null;
}

export interface Queue extends QueueSettings {
  projectId: string;
  name: string;
  /** The store's own id, exposed as a string `id` on the wire. */
  id: number;
  size: number;
  totalMessages: number;
  createdAt: number;
  updatedAt: number;
}

export interface Message {
  id: string;
  queueName: string;
  state: MessageState;
  body: string;
  reservedCount: number;
  /** Set while the message is reserved (or overdue). */
  reservationId: string | null;
  /** For a reserved message: when its reservation ends. For a scheduled one: when it becomes available. */
  visibleAt: number;
  reservationTimeout: number | null;
  delay: number;
  pushHeaders: Record<string, string> | null;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

export interface NewMessage {
  body: string;
  delay: number; // seconds
  pushHeaders: Record<string, string> | null;
}

export interface Project {
  id: string;
  name: string;
  createdAt: number;
}

export interface TokenInfo {
  id: string;
  projectId: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface QueueListPage {
  names: string[];
}
