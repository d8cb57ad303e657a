/** Domain types shared by every layer: the engine, the store interface, the protocols. Times are ms since the epoch. */

export type QueueType = 'pull' | 'multicast' | 'unicast';

/** Engine message states; see docs/design.md. Stored as small integers by the SQLite store. */
export type MessageState = 'available' | 'scheduled' | 'reserved' | 'overdue' | 'failed' | 'completed';

export interface DeadLetter {
  queueName: string;
  maxReservations: number;
}

export interface Subscriber {
  name: string;
  /** http(s)://… or ironmq:///queue_name (another queue of the same project). */
  url: string;
  headers: Record<string, string>;
}

export interface PushSettings {
  subscribers: Subscriber[];
  retries: number;
  retriesDelay: number; // seconds
  /** Queue that receives a report of each message whose retries ran out; null: none. */
  errorQueue: string | null;
}

export type AlertType = 'fixed' | 'progressive';
export type AlertDirection = 'asc' | 'desc';

export interface Alert {
  id: string;
  type: AlertType;
  direction: AlertDirection;
  trigger: number;
  /** Queue (same project) that receives the alert message. */
  queue: string;
  snooze: number; // seconds
}

/** The settings a client can set on a queue. */
export interface QueueSettings {
  type: QueueType;
  messageTimeout: number; // seconds
  messageExpiration: number; // seconds
  deadLetter: DeadLetter | null;
  /** Set exactly when type is multicast or unicast. */
  push: PushSettings | null;
  alerts: Alert[];
  /** MQTT topic filters this queue receives publications of. */
  topics: string[];
  /** What a reservation timeout does: IronMQ requeues; CrimsonQ consumers mark the message overdue. */
  onTimeout: 'requeue' | 'overdue';
  /** Seconds an overdue message waits before it fails (on_timeout overdue). */
  overdueTimeout: number;
  /** Most messages reserved at once; 0: unlimited (CrimsonQ concurrency). */
  maxInFlight: number;
  /** Deleting (completing) a message keeps it as completed until flushed (CrimsonQ). */
  retainCompleted: boolean;
  /** Seconds without reserve, pull, counts or info before the queue is deleted; 0: never. */
  idleExpiry: number;
  /** Queue attributes only the SQS API sets and reads; null until one is set (README "SQS API"). */
  sqs: SqsQueueSettings | null;
  /** Cost-allocation tags (SQS TagQueue), at most 50. */
  tags: Record<string, string>;
}

/** What SQS keeps per queue beyond the engine's own settings. */
export interface SqsQueueSettings {
  /** Delay of messages sent through SQS without a DelaySeconds of their own (0–900 s). */
  delaySeconds: number;
  /** Long poll of a ReceiveMessage without WaitTimeSeconds (0–20 s). */
  receiveWaitSeconds: number;
  /** Largest message (body and attributes) SendMessage accepts, in bytes. */
  maximumMessageSize: number;
  /** Attributes kept as given and shown back, without effect here (Policy, RedriveAllowPolicy …). */
  opaque: Record<string, string>;
}

/** An SQS message attribute, stored with its message. */
export interface MessageAttribute {
  /** String, Number or Binary, optionally followed by `.` and a custom type label. */
  dataType: string;
  stringValue?: string | undefined;
  /** Base64 of the bytes. */
  binaryValue?: string | undefined;
}

export type MessageAttributes = Record<string, MessageAttribute>;

/** CrimsonQ's names for message states. */
export type ConsumerStatus = 'pending' | 'active' | 'delayed' | 'failed' | 'completed';

export type StateCounts = Record<ConsumerStatus, number>;

/**
 * When a message last entered each CrimsonQ status (epoch ms), besides its creation: CrimsonQ's statusHistory
 * (`active_at`, `delayed_at`, `failed_at`, `completed_at`, and `pending_at` after a retry). Entering a status
 * again overwrites its time. Stored with the message, so it survives restarts.
 */
export type StatusTimes = Partial<Record<ConsumerStatus, number>>;

export type PushStatus = 'queued' | 'reserved' | 'retrying' | 'deleted' | 'error';

/** One subscriber's delivery of one message (IronMQ "push status"). */
export interface Delivery {
  messageId: string;
  subscriber: string;
  url: string;
  status: PushStatus;
  statusCode: number | null;
  error: string | null;
  tries: number;
  retriesRemaining: number;
  lastTryAt: number | null;
  reservationId: string | null;
}

/** A delivery the dispatcher has leased and must attempt now. */
export interface DeliveryTask {
  messageId: string;
  subscriber: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  pushHeaders: Record<string, string> | null;
  projectId: string;
  queueName: string;
  tries: number;
  /**
   * The delivery was answered 202 on its last try and `retries_delay` passed without an acknowledgement: it is
   * recorded as failed without being sent again.
   */
  holdExpired: boolean;
}

export type DeliveryResult =
  | { kind: 'delivered'; statusCode: number | null }
  | { kind: 'held'; statusCode: number }
  | { kind: 'failed'; statusCode: number | null; error: string };

export interface Queue extends QueueSettings {
  projectId: string;
  name: string;
  lastActiveAt: number;
  /** The store's own id (digits), shown as `id` on the wire; never reused. */
  id: string;
  /**
   * Increases with every change of the queue's settings (not of its counters): a settings update names the
   * version it was computed from, so two concurrent PATCHes cannot silently overwrite each other.
   */
  version: number;
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
  /** The topic it was published to; null when posted to the queue directly. */
  topic: string | null;
  /** Why it failed (CrimsonQ fail, or an overdue timeout). */
  error: string | null;
  /** When it entered each CrimsonQ status (statusHistory), timers that fired included. */
  statusTimes: StatusTimes;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** SQS message attributes it was sent with; null for none. */
  attributes: MessageAttributes | null;
  /** When it was first reserved; null until then (SQS ApproximateFirstReceiveTimestamp). */
  firstReservedAt: number | null;
}

export interface NewMessage {
  body: string;
  delay: number; // seconds
  pushHeaders: Record<string, string> | null;
  /** The topic it is published to (topic routing); absent for a direct post. */
  topic?: string | null;
  /** SQS message attributes, kept with the message; absent or null for none. */
  attributes?: MessageAttributes | null;
}

/** A queue's live messages by what a receive sees now (SQS's Approximate* counts). */
export interface MessageCounts {
  /** Can be reserved now. */
  available: number;
  /** Held under a reservation that has not ended (reserved, or overdue on a consumer queue). */
  inFlight: number;
  /** Scheduled: their delay has not ended. */
  delayed: number;
}

/** An SQS access key issued by Ferrite (`ferrite sqs-key create`): SigV4 requests signed with its secret. */
export interface SqsKey {
  accessKeyId: string;
  projectId: string;
  /** The signing secret; SigV4 needs it in the clear to check signatures. */
  secret: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
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

/** A message named in a delete, with the reservation id that holds it (null: not reserved). */
export interface MessageRef {
  id: string;
  reservationId: string | null;
}
