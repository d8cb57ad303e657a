import { checkAlerts, toAlert, type AlertInput } from './alerts';
import { InvalidInput, UnsupportedOperation } from './errors';
import { LIMITS, checkQueueName } from './limits';
import { mergePush, type PushInput } from './push';
import { normalizeFilters } from './topics';
import type { QueueSettings, QueueType } from './types';

/** Queue settings as a client sent them. Absent or zero numbers mean "default" on create and "unchanged" on update. */
export interface QueueSettingsInput {
  type?: QueueType | undefined;
  messageTimeout?: number | undefined;
  messageExpiration?: number | undefined;
  /** null or an empty queue name removes the dead-letter queue. */
  deadLetter?: { queueName: string; maxReservations?: number | undefined } | null | undefined;
  push?: PushInput | null | undefined;
  /** Replaces the alert list when given. */
  alerts?: AlertInput[] | null | undefined;
  /** Extensions (CrimsonQ model): replace the topic filters; the rest as in QueueSettings. */
  topics?: string[] | null | undefined;
  maxInFlight?: number | undefined;
  onTimeout?: 'requeue' | 'overdue' | undefined;
  overdueTimeout?: number | undefined;
  retainCompleted?: boolean | undefined;
  idleExpiry?: number | undefined;
}

/** The type a create asks for: `push` alone makes a multicast queue (Java and Python create push queues so). */
function requestedType(input: QueueSettingsInput): QueueType | undefined {
  if (input.type) return input.type;
  if (input.push) return 'multicast';
  return undefined;
}

/** Applies a create/update to the current settings (the defaults for a new queue), enforcing every rule. */
export function mergeSettings(
  name: string,
  base: QueueSettings,
  input: QueueSettingsInput,
  creating: boolean,
): QueueSettings {
  const settings: QueueSettings = { ...base };
  if (creating) {
    settings.type = requestedType(input) ?? 'pull';
  } else if (input.type && input.type !== base.type) {
    // Re-sending the same type is accepted (the Go client PATCHes `type` again); changing it is not.
    throw new UnsupportedOperation(`A queue's type cannot be changed (it is ${base.type})`);
  }
  if (settings.type === 'pull') {
    if (input.push)
      throw new InvalidInput('Subscribers can only be set on push queues (type multicast or unicast)');
    settings.push = null;
  } else if (input.push || creating) {
    if (creating && !input.push?.subscribers?.length) {
      throw new InvalidInput('A push queue needs at least one subscriber');
    }
    settings.push = mergePush(name, base.push, input.push ?? {});
  }
  if (input.messageTimeout) settings.messageTimeout = input.messageTimeout;
  if (input.messageExpiration) settings.messageExpiration = input.messageExpiration;
  if (input.deadLetter !== undefined) {
    const dl = input.deadLetter;
    if (dl === null || dl.queueName === '') {
      settings.deadLetter = null;
    } else {
      if (settings.type !== 'pull') throw new InvalidInput('A dead_letter queue is only for pull queues');
      checkQueueName(dl.queueName, 'dead_letter queue_name');
      if (dl.queueName === name) throw new InvalidInput('A queue cannot be its own dead_letter queue');
      settings.deadLetter = {
        queueName: dl.queueName,
        maxReservations:
          dl.maxReservations || (base.deadLetter?.maxReservations ?? LIMITS.defaultDeadLetterReservations),
      };
    }
  }
  if (input.topics !== undefined && input.topics !== null) settings.topics = normalizeFilters(input.topics);
  if (input.maxInFlight !== undefined) settings.maxInFlight = input.maxInFlight;
  if (input.onTimeout !== undefined) settings.onTimeout = input.onTimeout;
  if (input.overdueTimeout !== undefined) settings.overdueTimeout = input.overdueTimeout;
  if (input.retainCompleted !== undefined) settings.retainCompleted = input.retainCompleted;
  if (input.idleExpiry !== undefined) settings.idleExpiry = input.idleExpiry;
  if (settings.type !== 'pull' && (settings.onTimeout !== 'requeue' || settings.maxInFlight > 0)) {
    throw new InvalidInput('on_timeout and max_in_flight apply to pull queues only');
  }
  if (input.alerts !== undefined && input.alerts !== null) {
    // Alerts given without an id on update are new ones; the Go client PATCHes its full list.
    if (input.alerts.length > 0 && settings.type !== 'pull') {
      throw new InvalidInput('Alerts can only be set on pull queues');
    }
    settings.alerts = checkAlerts(input.alerts.map((alert) => toAlert(name, alert)));
  }
  return settings;
}
