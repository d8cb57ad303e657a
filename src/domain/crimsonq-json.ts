import type { ConsumerInfo } from './consumers';
import { directTopic } from './crimsonq-wire';
import type { ConsumerStatus, Message, MessageState, StateCounts } from './types';

/**
 * Domain objects → CrimsonQ's JSON (spec crimsonq §1.1), field names and order as CrimsonQ marshals them; the
 * same objects over REST and RESP.
 */

const rfc3339 = (ms: number): string => new Date(ms).toISOString();

/** The status `/api` shows for an engine state (spec crimsonq §6.1): overdue is CrimsonQ's `delayed`. */
export function statusOf(state: MessageState): ConsumerStatus {
  switch (state) {
    case 'available':
    case 'scheduled':
      return 'pending';
    case 'reserved':
      return 'active';
    case 'overdue':
      return 'delayed';
    case 'failed':
      return 'failed';
    case 'completed':
      return 'completed';
    default: {
      const unknown: never = state;
      throw new Error(`unknown message state ${String(unknown)}`);
    }
  }
}

export interface CqMessage {
  key: string;
  topic: string;
  value: string;
  status: ConsumerStatus;
  statusHistory: Record<string, string>;
  error?: string;
}

/**
 * A message as CrimsonQ's S_QMSG. statusHistory is CrimsonQ's: `created_at`, then `<status>_at` for every status
 * the message entered (the last time it entered it), as RFC 3339 UTC times with milliseconds.
 */
export function messageToCq(message: Message, consumerId: string): CqMessage {
  const status = statusOf(message.state);
  const times: [string, string][] = [['created_at', rfc3339(message.createdAt)]];
  for (const [entered, at] of Object.entries(message.statusTimes)) times.push([`${entered}_at`, rfc3339(at)]);
  // A Go map marshals with its keys sorted ("active_at" before "created_at").
  times.sort(([a], [b]) => (a < b ? -1 : 1));
  const wire: CqMessage = {
    key: message.id,
    topic: message.topic ?? directTopic(consumerId),
    value: message.body,
    status,
    statusHistory: Object.fromEntries(times),
  };
  if (message.error) wire.error = message.error;
  return wire;
}

export function consumerToCq(info: ConsumerInfo) {
  return {
    consumerId: info.consumerId,
    topics: info.topics,
    lastActive: rfc3339(info.lastActive),
    concurrency: info.concurrency,
  };
}

/** Counts with CrimsonQ's keys in the order Go marshals a map: sorted. */
export function countsToCq(counts: StateCounts): StateCounts {
  return {
    active: counts.active,
    completed: counts.completed,
    delayed: counts.delayed,
    failed: counts.failed,
    pending: counts.pending,
  };
}
