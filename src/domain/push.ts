import { randomBytes } from 'node:crypto';
import { InvalidInput } from './errors';
import { TRANSPORT_HEADERS, checkQueueName } from './limits';
import type { PushSettings, Subscriber } from './types';

/** Push-queue rules (IronMQ v3 docs, spec §2 and §4). */
export const PUSH_LIMITS = {
  defaultRetries: 3,
  maxRetries: 100,
  defaultRetriesDelay: 60,
  minRetriesDelay: 3,
  maxRetriesDelay: 86_400,
  maxSubscribers: 64,
  maxSubscriberNameLength: 255,
  maxUrlLength: 2048,
} as const;

export interface SubscriberInput {
  name?: string | undefined;
  url: string;
  headers?: Record<string, string> | undefined;
}

export interface PushInput {
  subscribers?: SubscriberInput[] | undefined;
  retries?: number | undefined;
  retriesDelay?: number | undefined;
  errorQueue?: string | null | undefined;
}

/** The queue an `ironmq:///name` subscriber delivers into, or null for an http(s) subscriber. */
export function internalTarget(url: string): string | null {
  if (!url.startsWith('ironmq:')) return null;
  return decodeURIComponent(url.slice('ironmq:///'.length));
}

/** Checks one subscriber; a missing name defaults to the URL (the 2014 draft has no names). */
export function toSubscriber(input: SubscriberInput): Subscriber {
  const url = input.url;
  if (typeof url !== 'string' || url.length === 0 || url.length > PUSH_LIMITS.maxUrlLength) {
    throw new InvalidInput(`A subscriber url is required (at most ${PUSH_LIMITS.maxUrlLength} characters)`);
  }
  if (url.startsWith('ironmq:')) {
    if (!url.startsWith('ironmq:///')) {
      throw new InvalidInput(
        'Only ironmq:///queue_name subscribers (a queue of the same project) are supported',
      );
    }
    checkQueueName(internalTarget(url) ?? '', 'ironmq:/// subscriber queue');
  } else {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidInput(`Subscriber url ${url.slice(0, 100)} is not a valid URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InvalidInput('A subscriber url must be http://, https:// or ironmq:///queue_name');
    }
    if (parsed.username || parsed.password)
      throw new InvalidInput('A subscriber url must not carry credentials');
  }
  const name = input.name || url;
  if (name.length > PUSH_LIMITS.maxSubscriberNameLength)
    throw new InvalidInput('A subscriber name is too long');
  const headers = input.headers ?? {};
  for (const [key, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key) || typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      throw new InvalidInput(`Subscriber header ${key.slice(0, 64)} is not a valid header`);
    }
    if (TRANSPORT_HEADERS.test(key)) throw new InvalidInput(`Subscriber headers may not set ${key}`);
  }
  return { name, url, headers };
}

function checkSubscribers(subscribers: Subscriber[]): Subscriber[] {
  if (subscribers.length === 0) throw new InvalidInput('A push queue needs at least one subscriber');
  if (subscribers.length > PUSH_LIMITS.maxSubscribers) {
    throw new InvalidInput(`A push queue has at most ${PUSH_LIMITS.maxSubscribers} subscribers`);
  }
  const names = new Set(subscribers.map((s) => s.name));
  if (names.size !== subscribers.length) throw new InvalidInput('Subscriber names must be unique');
  return subscribers;
}

/** Merges push settings from a create or update into the current ones (or the defaults). */
export function mergePush(queueName: string, base: PushSettings | null, input: PushInput): PushSettings {
  const retries = input.retries ?? base?.retries ?? PUSH_LIMITS.defaultRetries;
  if (!Number.isInteger(retries) || retries < 0 || retries > PUSH_LIMITS.maxRetries) {
    throw new InvalidInput(`push.retries must be a whole number from 0 to ${PUSH_LIMITS.maxRetries}`);
  }
  // 0 means default, like every other IronMQ number.
  const retriesDelay = input.retriesDelay || base?.retriesDelay || PUSH_LIMITS.defaultRetriesDelay;
  if (retriesDelay < PUSH_LIMITS.minRetriesDelay || retriesDelay > PUSH_LIMITS.maxRetriesDelay) {
    throw new InvalidInput(
      `push.retries_delay must be from ${PUSH_LIMITS.minRetriesDelay} to ${PUSH_LIMITS.maxRetriesDelay} seconds`,
    );
  }
  let errorQueue = base?.errorQueue ?? null;
  if (input.errorQueue !== undefined) errorQueue = input.errorQueue || null;
  if (errorQueue !== null) {
    checkQueueName(errorQueue, 'push.error_queue');
    if (errorQueue === queueName) throw new InvalidInput('A queue cannot be its own error_queue');
  }
  const subscribers = input.subscribers ? input.subscribers.map(toSubscriber) : (base?.subscribers ?? []);
  for (const subscriber of subscribers) {
    if (internalTarget(subscriber.url) === queueName) throw new InvalidInput('A queue cannot push to itself');
  }
  return { subscribers: checkSubscribers(subscribers), retries, retriesDelay, errorQueue };
}

/** POST …/subscribers: adds subscribers, replacing those with the same name. */
export function addSubscribers(push: PushSettings, added: SubscriberInput[]): PushSettings {
  const byName = new Map(push.subscribers.map((s) => [s.name, s]));
  for (const subscriber of added.map(toSubscriber)) byName.set(subscriber.name, subscriber);
  return { ...push, subscribers: checkSubscribers([...byName.values()]) };
}

/** DELETE …/subscribers: removes the named subscribers (by name, or by url when no name is given). */
export function removeSubscribers(
  push: PushSettings,
  removed: { name?: string; url?: string }[],
): PushSettings {
  const drop = (s: Subscriber) => removed.some((r) => (r.name ? r.name === s.name : r.url === s.url));
  return { ...push, subscribers: checkSubscribers(push.subscribers.filter((s) => !drop(s))) };
}

/** Opaque id sent as Iron-Reservation-Id and expected back when a subscriber acknowledges a 202. */
export function newDeliveryReservationId(): string {
  return randomBytes(16).toString('hex');
}

/** The error-queue message for a message whose deliveries ran out of retries (docs push_queues). */
export function errorQueueBody(
  sourceId: string,
  body: string,
  headers: Record<string, string> | null,
  failed: { name: string; url: string; code: number | null; msg: string | null }[],
): string {
  return JSON.stringify({ source_msg_id: sourceId, body, headers: headers ?? {}, subscribers: failed });
}
