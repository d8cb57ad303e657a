import type { EngineDeps } from './deps';
import { QueueNotFound } from '../domain/errors';
import { DEFAULT_QUEUE_SETTINGS, LIMITS, checkQueueName } from '../domain/limits';
import { mergeSettings, type QueueSettingsInput } from '../domain/queue-settings';
import type { Queue, QueueSettings } from '../domain/types';

/** PUT /queues/{name}: creates the queue, or updates it when it exists (what every client expects of PUT). */
export async function putQueue(
  deps: EngineDeps,
  projectId: string,
  name: string,
  input: QueueSettingsInput,
): Promise<{ queue: Queue; created: boolean }> {
  checkQueueName(name);
  const existing = await deps.store.getQueue(projectId, name);
  const settings = mergeSettings(name, existing ?? DEFAULT_QUEUE_SETTINGS, input, !existing);
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
