import { InvalidInput, QueueNotFound } from './errors';
import { DEFAULT_QUEUE_SETTINGS, checkQueueName } from './limits';
import { normalizeFilters } from './topics';
import type { ConsumerStatus, QueueSettings } from './types';

/**
 * CrimsonQ's model (spec crimsonq §6): a consumer is a queue with on_timeout "overdue", its concurrency as
 * max_in_flight, completed messages retained until flushed, an idle expiry, and topic filters.
 */

export interface ConsumerDefaults {
  /** CrimsonQ active_before_delayed: seconds before an active message is delayed (overdue). */
  activeTimeout: number;
  /** CrimsonQ delayed_before_failed: seconds a delayed message waits before it fails. */
  overdueTimeout: number;
  /** consumer_inactive_destroy_hours, in seconds; 0: never. */
  idleExpiry: number;
}

/** What CrimsonQ's consumer.info shows of a consumer (a pull queue). */
export interface ConsumerInfo {
  consumerId: string;
  topics: string[];
  lastActive: number;
  concurrency: number;
}

export const STATUSES: readonly ConsumerStatus[] = ['pending', 'active', 'delayed', 'failed', 'completed'];

/** Most messages listed per status: CrimsonQ lists all; Ferrite bounds the answer. */
export const LIST_LIMIT = 10_000;

export function checkConsumerId(id: string): void {
  checkQueueName(id, 'consumerId');
}

/** Concurrency as CrimsonQ takes it: ≤ 0 is unlimited. */
export function concurrencyOf(value: number): number {
  if (!Number.isSafeInteger(value)) throw new InvalidInput('concurrency must be a whole number');
  return Math.max(value, 0);
}

/** The settings of a queue created as a CrimsonQ consumer. */
export function consumerSettings(
  defaults: ConsumerDefaults,
  topics: string[],
  concurrency: number,
): QueueSettings {
  return {
    ...DEFAULT_QUEUE_SETTINGS,
    messageTimeout: defaults.activeTimeout,
    onTimeout: 'overdue',
    overdueTimeout: defaults.overdueTimeout,
    retainCompleted: true,
    idleExpiry: defaults.idleExpiry,
    maxInFlight: concurrencyOf(concurrency),
    topics: normalizeFilters(topics),
  };
}

/**
 * The consumer an operation names. An empty or impossible id names no consumer: CrimsonQ's
 * `001:incorrect_consumer_id`, not `008`, whatever the queue-name rules would say about it.
 */
export function existingConsumer(id: string): string {
  try {
    checkQueueName(id, 'consumerId');
  } catch {
    throw new QueueNotFound(id);
  }
  return id;
}

/** A message id as the clients send it: our digit string, or a key with its `<status>:` prefix. */
export function messageIdOf(raw: string): string {
  const prefixed = /^(pending|active|delayed|failed|completed):(.*)$/i.exec(raw);
  return prefixed ? prefixed[2]! : raw;
}

/** A status name, any case; null for anything else (answered `003:incorrect_status`). */
export function statusParam(raw: string): ConsumerStatus | null {
  const status = raw.toLowerCase();
  return (STATUSES as readonly string[]).includes(status) ? (status as ConsumerStatus) : null;
}
