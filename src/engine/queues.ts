import { QueueNotFound, ServerBusy } from '../domain/errors';
import { DEFAULT_QUEUE_SETTINGS, LIMITS, checkQueueName } from '../domain/limits';
import { mergeSettings, type QueueSettingsInput } from '../domain/queue-settings';
import type { Queue, QueueSettings } from '../domain/types';
import type { EngineDeps } from './deps';

/**
 * How often a settings change is recomputed when another one landed between its read and its write. Each retry
 * means a concurrent change committed, so this is only reached under a storm of changes to one queue.
 */
const MAX_SETTINGS_ATTEMPTS = 20;

/**
 * Reads a queue, computes its new settings, and writes them only if nothing changed them in between (the
 * store's compare-and-set on the queue's version); otherwise reads again and recomputes. No concurrent PATCH,
 * subscriber or alert change is lost, whichever process or node makes it.
 */
async function changeSettings<T>(
  deps: EngineDeps,
  projectId: string,
  name: string,
  attempt: (existing: Queue | null) => {
    settings: QueueSettings;
    result: (queue: Queue, created: boolean) => T;
  },
): Promise<T> {
  for (let i = 0; i < MAX_SETTINGS_ATTEMPTS; i++) {
    const existing = await deps.store.getQueue(projectId, name);
    const { settings, result } = attempt(existing);
    const written = await deps.store.putQueue({
      projectId,
      name,
      settings,
      now: deps.clock.now(),
      mode: existing ? 'update' : 'create',
      expectedVersion: existing?.version,
    });
    if (written) return result(written.queue, written.created);
  }
  throw new ServerBusy('The queue is being changed by too many requests at once; retry later');
}

/** PUT /queues/{name}: creates the queue, or updates it when it exists (what every client expects of PUT). */
export async function putQueue(
  deps: EngineDeps,
  projectId: string,
  name: string,
  input: QueueSettingsInput,
): Promise<{ queue: Queue; created: boolean }> {
  checkQueueName(name);
  return changeSettings(deps, projectId, name, (existing) => ({
    settings: mergeSettings(name, existing ?? DEFAULT_QUEUE_SETTINGS, input, !existing),
    result: (queue, created) => ({ queue, created }),
  }));
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

/** Applies `change` to an existing queue's settings, atomically with respect to every other change. */
export async function changeQueue(
  deps: EngineDeps,
  projectId: string,
  name: string,
  change: (queue: Queue) => QueueSettings,
): Promise<Queue> {
  checkQueueName(name);
  return changeSettings(deps, projectId, name, (existing) => {
    if (!existing) throw new QueueNotFound(name);
    return { settings: change(existing), result: (queue) => queue };
  });
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
