import type { EngineDeps } from './deps';
import { InvalidInput } from '../domain/errors';
import { addSubscribers, removeSubscribers, type SubscriberInput } from '../domain/push';
import { changeQueue } from './queues';
import type { Queue } from '../domain/types';

/** Subscriber changes apply to messages posted afterwards; deliveries already queued keep their target. */
function pushOf(queue: Queue) {
  if (!queue.push)
    throw new InvalidInput('Subscribers can only be set on push queues (type multicast or unicast)');
  return queue.push;
}

/** POST …/subscribers: add, or update by name. */
export function addQueueSubscribers(
  deps: EngineDeps,
  projectId: string,
  name: string,
  added: SubscriberInput[],
) {
  return changeQueue(deps, projectId, name, (queue) => ({
    ...queue,
    push: addSubscribers(pushOf(queue), added),
  }));
}

/** PUT …/subscribers: replace them all. */
export function replaceQueueSubscribers(
  deps: EngineDeps,
  projectId: string,
  name: string,
  subscribers: SubscriberInput[],
) {
  return changeQueue(deps, projectId, name, (queue) => ({
    ...queue,
    push: addSubscribers({ ...pushOf(queue), subscribers: [] }, subscribers),
  }));
}

/** DELETE …/subscribers: remove by name (a push queue keeps at least one). */
export function removeQueueSubscribers(
  deps: EngineDeps,
  projectId: string,
  name: string,
  removed: { name?: string; url?: string }[],
) {
  return changeQueue(deps, projectId, name, (queue) => ({
    ...queue,
    push: removeSubscribers(pushOf(queue), removed),
  }));
}
