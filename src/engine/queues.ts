import type { EngineDeps } from './deps';
import { InvalidInput, QueueNotFound, UnsupportedOperation } from './errors';
import { DEFAULTS, LIMITS, checkQueueName } from './limits';
import type { Queue, QueueSettings, QueueType } from './types';

/** Queue settings as a client sent them. Absent or zero numbers mean "default" on create and "unchanged" on update. */
export interface QueueSettingsInput {
  type?: QueueType | undefined;
  messageTimeout?: number | undefined;
  messageExpiration?: number | undefined;
  /** null or an empty queue name removes the dead-letter queue. */
  deadLetter?: { queueName: string; maxReservations?: number | undefined } | null | undefined;
  /** Present and non-empty only for push queues, which a later release adds. */
  hasPush?: boolean;
  hasAlerts?: boolean;
}

export const DEFAULT_SETTINGS: QueueSettings = {
  type: 'pull',
  messageTimeout: DEFAULTS.messageTimeout,
  messageExpiration: DEFAULTS.messageExpiration,
  deadLetter: null,
};

function merge(
  name: string,
  base: QueueSettings,
  input: QueueSettingsInput,
  creating: boolean,
): QueueSettings {
  if (input.hasPush || (input.type !== undefined && input.type !== 'pull')) {
    if (!creating && input.type !== undefined && input.type !== base.type) {
      throw new UnsupportedOperation('A queue type cannot be changed');
    }
    throw new UnsupportedOperation('Push queues are not supported by this server version');
  }
  if (input.hasAlerts) throw new UnsupportedOperation('Alerts are not supported by this server version');
  const settings: QueueSettings = { ...base };
  if (input.messageTimeout) settings.messageTimeout = input.messageTimeout;
  if (input.messageExpiration) settings.messageExpiration = input.messageExpiration;
  if (input.deadLetter !== undefined) {
    const dl = input.deadLetter;
    if (dl === null || dl.queueName === '') {
      settings.deadLetter = null;
    } else {
      checkQueueName(dl.queueName, 'dead_letter queue_name');
      if (dl.queueName === name) throw new InvalidInput('A queue cannot be its own dead_letter queue');
      settings.deadLetter = {
        queueName: dl.queueName,
        maxReservations:
          dl.maxReservations || (base.deadLetter?.maxReservations ?? LIMITS.defaultDeadLetterReservations),
      };
    }
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
  const settings = merge(name, existing ?? DEFAULT_SETTINGS, input, !existing);
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
  checkQueueName(name);
  const existing = await deps.store.getQueue(projectId, name);
  if (!existing) throw new QueueNotFound(name);
  const settings = merge(name, existing, input, false);
  const result = await deps.store.putQueue(projectId, name, settings, deps.clock.now(), 'update');
  if (!result) throw new QueueNotFound(name);
  return result.queue;
}

export async function getQueue(deps: EngineDeps, projectId: string, name: string): Promise<Queue> {
  const queue = await deps.store.getQueue(projectId, name);
  if (!queue) throw new QueueNotFound(name);
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
