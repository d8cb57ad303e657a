import type { AlertInput } from '../../domain/alerts';
import type { PushInput, SubscriberInput } from '../../domain/push';

/** IronMQ wire shapes of push settings and alerts (snake_case), as validated by the request rules. */

export interface WireSubscriber {
  name?: string | null;
  url: string;
  headers?: Record<string, string> | null;
}

export interface WirePushInput {
  subscribers?: WireSubscriber[] | null;
  retries?: number | null;
  retries_delay?: number | null;
  error_queue?: string | null;
}

export interface WireAlert {
  id?: string | null;
  type?: string;
  direction?: string;
  trigger?: number;
  queue?: string;
  snooze?: number | null;
}

export function subscriberInputOf(wire: WireSubscriber): SubscriberInput {
  return { name: wire.name ?? undefined, url: wire.url, headers: wire.headers ?? undefined };
}

export function pushInputOf(wire: WirePushInput): PushInput {
  return {
    subscribers: wire.subscribers ? wire.subscribers.map(subscriberInputOf) : undefined,
    retries: wire.retries ?? undefined,
    retriesDelay: wire.retries_delay ?? undefined,
    errorQueue: wire.error_queue,
  };
}

export function alertInputOf(wire: WireAlert): AlertInput {
  return {
    id: wire.id ?? undefined,
    type: wire.type,
    direction: wire.direction,
    trigger: wire.trigger,
    queue: wire.queue,
    snooze: wire.snooze ?? undefined,
  };
}
