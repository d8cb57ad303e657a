import type { Message, NewMessage, Project, Queue, QueueSettings, TokenInfo } from '../engine/types';

/**
 * The store: high-level atomic operations, not tables. Each method is one transaction in the backend (the SQLite
 * store additionally commits concurrent calls together, see docs/design.md), so a failed call changes nothing.
 * Every method returns a Promise so that a networked backend can implement the same contract.
 * Times are passed in (`now`, ms): a store never reads a clock.
 */
export interface Store {
  // Projects and tokens
  createProject(project: Project): Promise<void>;
  getProject(id: string): Promise<Project | null>;
  listProjects(): Promise<Project[]>;
  addToken(token: NewToken): Promise<void>;
  listTokens(projectId?: string): Promise<TokenInfo[]>;
  /** Marks a token revoked; false when no live token has that id. */
  revokeToken(tokenId: string, now: number): Promise<boolean>;
  /** The project of a live (not revoked) token with this sha256 hash, or null. */
  projectOfTokenHash(tokenHash: string): Promise<string | null>;

  // Queues
  getQueue(projectId: string, name: string): Promise<Queue | null>;
  /**
   * Creates or updates a queue's settings. `mode` decides what happens when the queue does or does not exist:
   * 'create' only inserts (returns null if it exists), 'update' only updates (null if missing), 'upsert' does either.
   */
  putQueue(
    projectId: string,
    name: string,
    settings: QueueSettings,
    now: number,
    mode: 'create' | 'update' | 'upsert',
  ): Promise<{ queue: Queue; created: boolean } | null>;
  /** Deletes a queue and all its messages; false when it did not exist. */
  deleteQueue(projectId: string, name: string): Promise<boolean>;
  /** Queues in name order (binary, i.e. code point order), after `after`, starting with `prefix`. */
  listQueues(projectId: string, options: { prefix: string; after: string; limit: number }): Promise<Queue[]>;

  // Messages
  /**
   * Appends messages in order, creating the queue with `defaults` when missing. Returns their ids, increasing.
   */
  postMessages(
    projectId: string,
    name: string,
    messages: NewMessage[],
    defaults: QueueSettings,
    now: number,
  ): Promise<string[]>;
  /**
   * Reserves up to `n` available messages in id order (timed-out and released ones keep their id, so they come
   * first). Messages over the queue's dead-letter limit are moved there instead. Null when the queue is missing.
   */
  reserveMessages(request: ReserveRequest): Promise<ReserveResult | null>;
  /** Up to `n` messages that a reserve would return now, without reserving them. Null when the queue is missing. */
  peekMessages(projectId: string, name: string, n: number, now: number): Promise<Message[] | null>;
  getMessage(
    projectId: string,
    name: string,
    id: string,
    now: number,
  ): Promise<Message | QueueMissing | null>;
  /** Deletes every listed message or none of them. */
  deleteMessages(
    projectId: string,
    name: string,
    items: readonly MessageRef[],
    now: number,
  ): Promise<MessageOpFailure | null>;
  /** Removes every message of a queue; false when the queue is missing. */
  clearMessages(projectId: string, name: string): Promise<boolean>;
  /** Extends a reservation under a new reservation id. */
  touchMessage(request: TouchRequest): Promise<Message | MessageOpFailure>;
  /** Ends a reservation: the message is available again (or scheduled after `delaySeconds`). */
  releaseMessage(request: ReleaseRequest): Promise<MessageOpFailure | null>;
  /** When the next scheduled or reserved message of a queue becomes available, or null. Used by long polls. */
  nextTimerAt(projectId: string, name: string): Promise<number | null>;
  /** Deletes up to `limit` messages whose queue expiration has passed; returns how many, per queue. */
  expireMessages(now: number, limit: number): Promise<ExpiredCounts>;

  /** Closes the store; pending operations are committed first. */
  close(): Promise<void>;
}

export interface NewToken {
  id: string;
  projectId: string;
  tokenHash: string;
  name: string;
  createdAt: number;
}

export interface ReserveRequest {
  projectId: string;
  name: string;
  n: number;
  /** Reservation length in seconds; null: the queue's message_timeout. */
  timeoutSeconds: number | null;
  /** Remove the messages as they are reserved (IronMQ `delete: true`). */
  deleteOnReserve: boolean;
  /** One fresh reservation id per message that may be returned (length ≥ n). */
  reservationIds: readonly string[];
  /** Settings for a dead-letter queue that has to be created. */
  defaults: QueueSettings;
  now: number;
}

export interface ReserveResult {
  messages: Message[];
  /** Messages moved to the dead-letter queue by this reserve instead of being returned. */
  deadLettered: number;
}

export interface ExpiredCounts {
  total: number;
  byQueue: { projectId: string; name: string; count: number }[];
}

export interface MessageRef {
  id: string;
  reservationId: string | null;
}

export interface TouchRequest {
  projectId: string;
  name: string;
  id: string;
  reservationId: string;
  newReservationId: string;
  /** Null: the queue's message_timeout. */
  timeoutSeconds: number | null;
  now: number;
}

export interface ReleaseRequest {
  projectId: string;
  name: string;
  id: string;
  reservationId: string;
  delaySeconds: number;
  now: number;
}

export type QueueMissing = { kind: 'queue_not_found' };

/** Why a message operation changed nothing. */
export type MessageOpFailure =
  | QueueMissing
  | { kind: 'message_not_found'; id: string }
  | { kind: 'reservation_mismatch'; id: string }
  | { kind: 'message_reserved'; id: string };

export function isFailure(value: unknown): value is MessageOpFailure {
  return typeof value === 'object' && value !== null && 'kind' in value;
}
