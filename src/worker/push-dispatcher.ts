import { internalTarget, newDeliveryReservationId } from '../domain/push';
import type { DeliveryResult, DeliveryTask } from '../domain/types';
import type { EngineDeps } from '../engine/deps';
import { postMessages } from '../engine/messages';
import { HOLD_EXPIRED, claimDeliveries, nextDeliveryAt, recordAttempt } from '../engine/push-delivery';
import type { Logger } from '../log';
import type { PushClient } from './push-client';

export interface DispatcherOptions {
  /** Deliveries in flight at once, over all queues. */
  concurrency: number;
  /**
   * Deliveries in flight at once per queue: one slow subscriber cannot take every slot. Counted by the store
   * (leases), so it holds over every dispatcher sharing the store.
   */
  perQueue: number;
  timeoutMs: number;
  retentionMs: number;
  /** Base of Iron-Subscriber-Message-Url. */
  publicUrl: string;
}

/** How far past the attempt's own timeout a lease runs: after a crash, the delivery is retried this much later. */
const LEASE_MARGIN_MS = 5_000;
/** The dispatcher re-reads the next due time at least this often (deliveries added by another process). */
const MAX_SLEEP_MS = 30_000;

/**
 * Delivers push-queue messages. Due deliveries are leased from the store in batches up to the free slots and
 * attempted concurrently; every outcome is recorded in the store before the slot is freed, so a restart loses
 * nothing (leases expire) and never repeats a delivery recorded as done. It wakes on `push:queued`, when a slot
 * frees, and at the next due time; node-cron also kicks it every second as a safety net.
 */
export class PushDispatcher {
  private running = 0;
  private readonly attempts = new Set<Promise<void>>();
  private scheduled = false;
  /** The last pass started: the next one waits for it. */
  private passes: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly engine: EngineDeps,
    private readonly client: PushClient,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    engine.events.on('push:queued', () => this.kick());
    // An alert message posted into a push queue (an autoscaler's webhook) has deliveries to make too.
    engine.events.on('alert:fired', () => this.kick());
    // So does an error report, when the error queue is a push queue.
    engine.events.on('push:completed', (event) => {
      if (event.errorQueue !== null) this.kick();
    });
  }

  /** Schedules a pass soon (coalesced: many kicks in one turn make one pass). */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump().catch((error: unknown) => this.log.error('push dispatch failed', { error: String(error) }));
    });
  }

  /**
   * One pass: leases what is due now up to the free slots and starts those attempts. Returns how many. Passes
   * run one after another: overlapping ones would each count the same free slots before either started its
   * attempts, and together exceed the global and per-queue limits.
   */
  pump(): Promise<number> {
    const pass = this.passes.then(() => this.pumpOnce());
    this.passes = pass.catch(() => undefined);
    return pass;
  }

  private async pumpOnce(): Promise<number> {
    if (this.stopped) return 0;
    const free = this.options.concurrency - this.running;
    let started = 0;
    if (free > 0) {
      const tasks = await claimDeliveries(this.engine, {
        limit: free,
        leaseMs: this.options.timeoutMs + LEASE_MARGIN_MS,
        perQueueLimit: this.options.perQueue,
      });
      for (const task of tasks) this.start(task);
      started = tasks.length;
    }
    await this.armTimer();
    return started;
  }

  /**
   * Attempts everything due now and waits for the outcomes, until nothing due is left (bounded). For tests
   * with a fake clock: advance it, then drain.
   */
  async drain(maxPasses = 50): Promise<void> {
    for (let pass = 0; pass < maxPasses; pass++) {
      const started = await this.pump();
      if (this.attempts.size === 0 && started === 0) return;
      await Promise.all([...this.attempts]);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.attempts]);
    await this.client.close();
  }

  private start(task: DeliveryTask): void {
    this.running++;
    const attempt: Promise<void> = this.attempt(task)
      .catch((error: unknown) => {
        // The lease expires and the delivery is tried again: at least once, never lost.
        this.log.error('push delivery could not be recorded', {
          messageId: task.messageId,
          error: String(error),
        });
      })
      .finally(() => {
        this.running--;
        this.attempts.delete(attempt);
        this.kick();
      });
    this.attempts.add(attempt);
  }

  private async attempt(task: DeliveryTask): Promise<void> {
    const reservationId = newDeliveryReservationId();
    const target = internalTarget(task.url);
    let result: DeliveryResult;
    if (task.holdExpired) {
      // Its last try was answered 202 and never acknowledged: it fails without being sent again.
      result = { kind: 'failed', statusCode: 202, error: HOLD_EXPIRED };
    } else if (target !== null) {
      // ironmq:///queue: straight into another queue of the project, no HTTP.
      try {
        await postMessages(this.engine, task.projectId, target, [
          { body: task.body, delay: 0, pushHeaders: task.pushHeaders },
        ]);
        result = { kind: 'delivered', statusCode: 200 };
      } catch (error) {
        result = {
          kind: 'failed',
          statusCode: null,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    } else {
      result = await this.client.post(task.url, task.body, this.headersFor(task, reservationId));
    }
    await recordAttempt(this.engine, task, reservationId, result, this.options.retentionMs);
  }

  /** Subscriber headers, then the message's push headers, then Iron-* headers, which nothing overrides. */
  private headersFor(task: DeliveryTask, reservationId: string): Record<string, string> {
    const headers: Record<string, string> = {
      'User-Agent': 'IronMQ Pusherd',
      'Content-Type': 'text/plain; encoding=utf-8',
    };
    const merge = (extra: Record<string, string> | null) => {
      for (const [name, value] of Object.entries(extra ?? {})) {
        for (const existing of Object.keys(headers)) {
          if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
        }
        headers[name] = value;
      }
    };
    merge(task.headers);
    merge(task.pushHeaders);
    const queuePath = `/3/projects/${task.projectId}/queues/${encodeURIComponent(task.queueName)}`;
    merge({
      'Iron-Message-Id': task.messageId,
      'Iron-Reservation-Id': reservationId,
      'Iron-Subscriber-Name': task.subscriber,
      'Iron-Subscriber-Message-Url': `${this.options.publicUrl}${queuePath}/messages/${task.messageId}`,
    });
    return headers;
  }

  private async armTimer(): Promise<void> {
    if (this.stopped) return;
    const next = await nextDeliveryAt(this.engine);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (next === null) return;
    const wait = Math.min(Math.max(next - this.engine.clock.now(), 0), MAX_SLEEP_MS);
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref();
  }
}
