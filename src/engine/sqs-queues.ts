import { QueueNotFound, SqsRefused } from '../domain/errors';
import { checkQueueName } from '../domain/limits';
import { checkSqsQueueName, checkTags } from '../domain/sqs-limits';
import {
  SQS_QUEUE_SETTINGS,
  applySqsAttributes,
  differingAttribute,
  sqsSettingsOf,
} from '../domain/sqs-queue-attributes';
import type { MessageCounts, Queue, QueueSettings } from '../domain/types';
import type { EngineDeps } from './deps';
import { changeQueue, getQueue } from './queues';

/** Queue operations of the SQS API (README "SQS API") over the same queues as IronMQ's. */

/** The dead-letter queue a RedrivePolicy names must exist (SQS checks it when the policy is set). */
async function checkDeadLetterTarget(deps: EngineDeps, projectId: string, settings: QueueSettings) {
  const target = settings.deadLetter?.queueName;
  if (target !== undefined && !(await deps.store.getQueue(projectId, target))) {
    throw new SqsRefused(
      'invalid_attribute_value',
      'Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.',
    );
  }
}

/**
 * CreateQueue: creates the queue with SQS's defaults and the given attributes and tags. An existing queue is
 * returned as it is when the attributes given agree with it, and refused (QueueAlreadyExists) when they do not.
 */
export async function createSqsQueue(
  deps: EngineDeps,
  projectId: string,
  name: string,
  attributes: Record<string, string>,
  tags: Record<string, string>,
): Promise<Queue> {
  checkSqsQueueName(name);
  checkTags(tags);
  const where = { projectId, name };
  const settings = { ...applySqsAttributes(SQS_QUEUE_SETTINGS, attributes, where), tags };
  await checkDeadLetterTarget(deps, projectId, settings);
  // Bounded: each round means the queue was created or deleted by someone else in between.
  for (let attempt = 0; attempt < 10; attempt++) {
    const existing = await deps.store.getQueue(projectId, name);
    if (existing) {
      const differs = differingAttribute(existing, attributes, where);
      if (differs !== null) {
        throw new SqsRefused(
          'queue_name_exists',
          `A queue already exists with the same name and a different value for attribute ${differs}`,
        );
      }
      return existing;
    }
    const created = await deps.store.putQueue({
      projectId,
      name,
      settings,
      now: deps.clock.now(),
      mode: 'create',
    });
    if (created) return created.queue;
  }
  throw new SqsRefused('queue_name_exists', 'The queue is being created and deleted concurrently; retry');
}

/** A queue the SQS API names (by URL or name): any queue name the engine allows, SQS-made or not. */
export async function sqsQueue(deps: EngineDeps, projectId: string, name: string): Promise<Queue> {
  checkQueueName(name);
  return getQueue(deps, projectId, name);
}

/** GetQueueAttributes: the queue and its live message counts now. */
export async function sqsQueueState(
  deps: EngineDeps,
  projectId: string,
  name: string,
): Promise<{ queue: Queue; counts: MessageCounts }> {
  const queue = await sqsQueue(deps, projectId, name);
  const counts = await deps.store.countMessages(projectId, name, deps.clock.now());
  if (!counts) throw new QueueNotFound(name);
  return { queue, counts };
}

/** SetQueueAttributes: all the given attributes or none of them. */
export async function setSqsAttributes(
  deps: EngineDeps,
  projectId: string,
  name: string,
  attributes: Record<string, string>,
): Promise<Queue> {
  const queue = await sqsQueue(deps, projectId, name);
  // Checked (and the target looked up) before the change, so a bad value changes nothing.
  await checkDeadLetterTarget(deps, projectId, applySqsAttributes(queue, attributes, { projectId, name }));
  return changeQueue(deps, projectId, name, (current) =>
    applySqsAttributes(current, attributes, { projectId, name }),
  );
}

export async function tagQueue(
  deps: EngineDeps,
  projectId: string,
  name: string,
  tags: Record<string, string>,
): Promise<void> {
  await changeQueue(deps, projectId, name, (queue) => {
    const merged = { ...queue.tags, ...tags };
    checkTags(merged);
    return { ...queue, tags: merged };
  });
}

export async function untagQueue(
  deps: EngineDeps,
  projectId: string,
  name: string,
  keys: readonly string[],
): Promise<void> {
  await changeQueue(deps, projectId, name, (queue) => {
    const kept = { ...queue.tags };
    for (const key of keys) delete kept[key];
    return { ...queue, tags: kept };
  });
}

/** ListQueues: a page of the project's queues in name order. */
export function listSqsQueues(
  deps: EngineDeps,
  projectId: string,
  options: { prefix: string; after: string; limit: number },
): Promise<Queue[]> {
  return deps.store.listQueues(projectId, options);
}

/** ListDeadLetterSourceQueues: a page of the queues whose RedrivePolicy names this one. */
export async function deadLetterSources(
  deps: EngineDeps,
  projectId: string,
  name: string,
  options: { after: string; limit: number },
): Promise<string[]> {
  await sqsQueue(deps, projectId, name);
  return deps.store.listDeadLetterSources(projectId, name, options);
}

/**
 * AddPermission / RemovePermission: rewrites the queue's Policy attribute with `edit` (domain/sqs-policy.ts),
 * atomically with every other settings change.
 */
export async function editPolicy(
  deps: EngineDeps,
  projectId: string,
  name: string,
  edit: (policy: string | undefined, queue: Queue) => string,
): Promise<void> {
  await sqsQueue(deps, projectId, name);
  await changeQueue(deps, projectId, name, (queue) => {
    const sqs = sqsSettingsOf(queue);
    const policy = edit(sqs.opaque.Policy, queue);
    const opaque: Record<string, string> = { ...sqs.opaque, Policy: policy };
    if (policy === '') delete opaque.Policy;
    return { ...queue, sqs: { ...sqs, opaque } };
  });
}
