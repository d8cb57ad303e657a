import { QueueNotFound } from '../domain/errors';
import { statusCounts } from './consumers';
import type { EngineDeps } from './deps';
import type { EngineEventMap } from './events';

/**
 * CrimsonQ's subscribe channel, for every protocol that carries it (RESP `SUBSCRIBE`, the WebSocket and the
 * Server-Sent Events stream of `/api/subscribe`): each new message of a consumer is announced by its id to the
 * consumer's subscribers, whoever posted it (RESP, REST, IronMQ, a topic publish), and a heartbeat tells them
 * the consumer's pending count. The heartbeat reads the counts, which is the consumer's keep-alive, so an open
 * subscription keeps its consumer from expiring; consumers nobody subscribes to are not touched (CrimsonQ's
 * heartbeat refreshed every consumer, which made its idle expiry dead code).
 */

/** One subscriber of one consumer. Callbacks run inside request handling: they must not throw or block. */
export interface Subscriber {
  /** New messages of the consumer, in posting order. */
  messages(ids: readonly string[]): void;
  /** The heartbeat: how many messages are pending. */
  pendingCount(count: number): void;
  /** The consumer no longer exists (destroyed or expired); nothing more will come for it. */
  gone(): void;
  /** The server shuts down: end the subscription and its connection. */
  shutdown(): void;
}

export interface SubscriptionOptions {
  /** Time between heartbeats (FERRITE_SUBSCRIBE_HEARTBEAT_SECONDS). */
  heartbeatMs: number;
  /** A heartbeat read that failed for another reason than a missing consumer (the store is unavailable …). */
  onError?: (error: unknown, consumer: { projectId: string; consumerId: string }) => void;
}

const keyOf = (projectId: string, consumerId: string) => `${projectId}\n${consumerId}`;

export class Subscriptions {
  private readonly byConsumer = new Map<
    string,
    { projectId: string; consumerId: string; subscribers: Set<Subscriber> }
  >();
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private closed = false;
  private readonly onPosted = (event: EngineEventMap['messages:posted'][0]) => {
    const entry = this.byConsumer.get(keyOf(event.projectId, event.queue));
    if (!entry) return;
    for (const subscriber of [...entry.subscribers]) subscriber.messages(event.ids);
  };

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: SubscriptionOptions,
  ) {
    deps.events.on('messages:posted', this.onPosted);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Subscribers over all consumers. */
  get size(): number {
    let total = 0;
    for (const entry of this.byConsumer.values()) total += entry.subscribers.size;
    return total;
  }

  /** Starts the heartbeat timer. */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.heartbeat(), this.options.heartbeatMs);
    this.timer.unref();
  }

  /** Adds a subscriber of a consumer; returns its removal (idempotent). */
  add(projectId: string, consumerId: string, subscriber: Subscriber): () => void {
    const key = keyOf(projectId, consumerId);
    let entry = this.byConsumer.get(key);
    if (!entry) this.byConsumer.set(key, (entry = { projectId, consumerId, subscribers: new Set() }));
    entry.subscribers.add(subscriber);
    const subscribers = entry.subscribers;
    return () => {
      subscribers.delete(subscriber);
      if (subscribers.size === 0 && this.byConsumer.get(key)?.subscribers === subscribers) {
        this.byConsumer.delete(key);
      }
    };
  }

  /**
   * One heartbeat: for each consumer that has subscribers, reads its counts (refreshing its activity) and sends
   * `pendingCount` to each subscriber. Passes do not overlap: a call during a pass waits for that pass.
   */
  heartbeat(): Promise<void> {
    this.beating ??= this.beat().finally(() => {
      this.beating = null;
    });
    return this.beating;
  }

  private async beat(): Promise<void> {
    for (const entry of [...this.byConsumer.values()]) {
      if (this.closed) return;
      if (entry.subscribers.size === 0) continue;
      let pending: number;
      try {
        pending = (await statusCounts(this.deps, entry.projectId, entry.consumerId)).pending;
      } catch (error) {
        if (error instanceof QueueNotFound) {
          for (const subscriber of [...entry.subscribers]) subscriber.gone();
        } else {
          this.options.onError?.(error, entry);
        }
        continue;
      }
      for (const subscriber of [...entry.subscribers]) subscriber.pendingCount(pending);
    }
  }

  /** Shutdown: stops the heartbeat and the announcements, and tells every subscriber to end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.deps.events.off('messages:posted', this.onPosted);
    for (const entry of [...this.byConsumer.values()]) {
      for (const subscriber of [...entry.subscribers]) subscriber.shutdown();
    }
    this.byConsumer.clear();
  }
}
