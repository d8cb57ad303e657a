import { checkAlerts, toAlert, type AlertInput } from './alerts';
import type { EngineDeps } from './deps';
import { InvalidInput, QueueNotFound, UnsupportedOperation } from './errors';
import { DEFAULT_QUEUE_SETTINGS, LIMITS, checkQueueName } from './limits';
import { mergePush, type PushInput } from './push';
import { normalizeFilters } from './topics';
import type { Queue, QueueSettings, QueueType } from './types';

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

export const DEFAULT_SETTINGS: QueueSettings = DEFAULT_QUEUE_SETTINGS;

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

/** PUT /queues/{name}: creates the queue, or updates it when it exists (what every client expects of PUT). */
export async function putQueue(
  deps: EngineDeps,
  projectId: string,
  name: string,
  input: QueueSettingsInput,
): Promise<{ queue: Queue; created: boolean }> {
  checkQueueName(name);
  const existing = await deps.store.getQueue(projectId, name);
  const settings = mergeSettings(name, existing ?? DEFAULT_SETTINGS, input, !existing);
  const result = await deps.store.putQueue(projectId, name, settings, deps.clock.now(), 'upsert');
  return result!;
}

/** PATCH /queues/{name}: updates an existing queue. */
export async function updateQueue(
  deps: EngineDeps,
  projectId: string,
  name: string,
  input: QueueSettingsInput,
): Promise<Queue> {
  return changeQueue(deps, projectId, name, (queue) => mergeSettings(name, queue, input, false));
}

/** Reads a queue, applies `change` to its settings and stores the result. */
export async function changeQueue(
  deps: EngineDeps,
  projectId: string,
  name: string,
  change: (queue: Queue) => QueueSettings,
): Promise<Queue> {
  checkQueueName(name);
  const existing = await deps.store.getQueue(projectId, name);
  if (!existing) throw new QueueNotFound(name);
  const result = await deps.store.putQueue(projectId, name, change(existing), deps.clock.now(), 'update');
  if (!result) throw new QueueNotFound(name);
  return result.queue;
}

export async function getQueue(deps: EngineDeps, projectId: string, name: string): Promise<Queue> {
  const queue = await deps.store.getQueue(projectId, name);
  if (!queue) throw new QueueNotFound(name);
  return queue;
}

/** GET queue info: reading a queue with an idle expiry keeps it alive (IronMQ users polling info). */
export async function queueInfo(deps: EngineDeps, projectId: string, name: string): Promise<Queue> {
  const queue = await getQueue(deps, projectId, name);
  if (queue.idleExpiry > 0) await deps.store.markActive(projectId, name, deps.clock.now());
  return queue;
}

export async function deleteQueue(deps: EngineDeps, projectId: string, name: string): Promise<void> {
  if (!(await deps.store.deleteQueue(projectId, name))) throw new QueueNotFound(name);
}

export interface ListQueuesInput {
  perPage?: number | undefined;
  previous?: string | undefined;
  prefix?: string | undefined;
}

export function listQueues(deps: EngineDeps, projectId: string, input: ListQueuesInput): Promise<Queue[]> {
  const perPage = Math.min(input.perPage || LIMITS.defaultPerPage, LIMITS.maxPerPage);
  return deps.store.listQueues(projectId, {
    prefix: input.prefix ?? '',
    after: input.previous ?? '',
    limit: perPage,
  });
}
