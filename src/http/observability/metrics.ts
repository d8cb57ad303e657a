import { performance } from 'node:perf_hooks';
import { Router, type RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineDeps } from '../../engine/deps';
import { parkedLongPolls, queueHealth, queueStats, storeStats } from '../../engine/server-status';
import { DEFAULT_QUEUE_LABEL_LIMIT, OTHER, QueueLabels, type QueueLabelValues } from './queue-labels';
import { getRoute, routeTemplateOf } from '../routes';

/** The `route` label of requests answered before any route matched: 401s, unknown paths, oversized bodies. */
export const NO_ROUTE = 'none';

/** Seconds. From a cached peek (~1 ms) to the longest long poll (`wait` ≤ 30 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

/** Outcomes of push delivery attempts, named after the engine's push events. */
export type PushDeliveryOutcome = 'delivered' | 'held' | 'failed' | 'error';

/** One queue's counts, read on each scrape. */
export interface QueueStat {
  projectId: string;
  name: string;
  /** Messages not yet deleted (IronMQ `size`): available, delayed and reserved. */
  size: number;
  /** Reserved messages; null when the store cannot count them (the in-flight gauge is then left out). */
  reserved: number | null;
}

export interface MetricsOptions {
  /** How many queues get their own `{project, queue}` series; the rest share `_other`. Default 100. */
  queueLabelLimit?: number;
  /** Reads every queue's counts for a scrape. Default: the store's per-queue counts (size and reserved). */
  queueStats?: () => Promise<QueueStat[]>;
}

export interface Metrics {
  /** This app's own registry (no global default registry, so one process can run several servers). */
  readonly registry: Registry;
  /** Counts and times every request by route template and status: mount it before any router. */
  readonly middleware: RequestHandler;
  /** `GET /metrics` in the Prometheus text format. */
  readonly routes: Router;
  /**
   * Counts one push delivery attempt. The engine's push events (push:delivered, held, failed, error) already
   * call it; a dispatcher that does not emit them can call it directly.
   */
  recordPushDelivery(outcome: PushDeliveryOutcome): void;
}

/** Builds the metrics of one app and subscribes them to its engine's events. */
export function createMetrics(engine: EngineDeps, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const queueLabels = new QueueLabels(options.queueLabelLimit ?? DEFAULT_QUEUE_LABEL_LIMIT);
  const readQueueStats = options.queueStats ?? (() => queueStats(engine, MAX_QUEUE_STATS));
  const registers = [registry];

  const requests = new Counter({
    name: 'ferrite_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status ("aborted": the client left first)',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'ferrite_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer (long polls included), in seconds',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });

  const perQueue = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['project', 'queue'] as const, registers });
  const posted = perQueue('ferrite_messages_posted_total', 'Messages posted');
  const reserved = perQueue('ferrite_messages_reserved_total', 'Messages handed out by reserve');
  const deleted = perQueue('ferrite_messages_deleted_total', 'Messages deleted by clients');
  const expired = perQueue('ferrite_messages_expired_total', 'Messages removed by their queue expiration');
  const deadLettered = perQueue(
    'ferrite_messages_dead_lettered_total',
    'Messages moved to the dead-letter queue (counted on the queue they left)',
  );
  const clears = perQueue('ferrite_queue_clears_total', 'Times a queue was cleared');
  const redriven = perQueue(
    'ferrite_messages_redriven_total',
    'Messages moved out of a dead-letter queue by a redrive (counted on the dead-letter queue)',
  );

  const count = (counter: Counter<'project' | 'queue'>) => (event: EngineCount) => {
    if (event.count > 0) counter.inc(queueLabels.admit(event.projectId, event.queue), event.count);
  };
  engine.events.on('messages:posted', count(posted));
  engine.events.on('messages:reserved', count(reserved));
  engine.events.on('messages:deleted', count(deleted));
  engine.events.on('messages:expired', count(expired));
  engine.events.on('messages:dead-lettered', count(deadLettered));
  engine.events.on('messages:redriven', count(redriven));
  engine.events.on('queue:cleared', (event) => clears.inc(queueLabels.admit(event.projectId, event.queue)));

  const pushDeliveries = new Counter({
    name: 'ferrite_push_deliveries_total',
    help:
      'Push delivery attempts by outcome: delivered, held (202, until acknowledged), failed (each failed attempt), ' +
      "error (a subscriber's retries ran out)",
    labelNames: ['outcome'] as const,
    registers,
  });
  const recordPushDelivery = (outcome: PushDeliveryOutcome) => pushDeliveries.inc({ outcome });
  engine.events.on('push:delivered', () => recordPushDelivery('delivered'));
  engine.events.on('push:held', () => recordPushDelivery('held'));
  engine.events.on('push:failed', () => recordPushDelivery('failed'));
  engine.events.on('push:error', () => recordPushDelivery('error'));

  const depth = new Gauge({
    name: 'ferrite_queue_messages',
    help: 'Messages in a queue not yet deleted (IronMQ size: available, delayed and reserved), read on scrape',
    labelNames: ['project', 'queue'] as const,
    registers,
  });
  const inFlight = new Gauge({
    name: 'ferrite_queue_messages_in_flight',
    help: 'Reserved messages of a queue, read on scrape',
    labelNames: ['project', 'queue'] as const,
    registers,
  });
  const oldestAge = new Gauge({
    name: 'ferrite_queue_oldest_message_age_seconds',
    help:
      'Seconds since the oldest message not yet deleted (available, delayed or reserved) was posted; 0 when ' +
      'the queue is empty. Queues with series of their own only',
    labelNames: ['project', 'queue'] as const,
    registers,
  });
  const deadLetterDepth = new Gauge({
    name: 'ferrite_queue_dead_letter_messages',
    help:
      'Dead letters that came from this queue and wait in its project (its dead-letter queue), not yet ' +
      'deleted or redriven. Queues with series of their own only',
    labelNames: ['project', 'queue'] as const,
    registers,
  });
  const queueCount = new Gauge({ name: 'ferrite_queues', help: 'Queues over all projects', registers });
  new Gauge({
    name: 'ferrite_node_info',
    help: "Always 1: this node's name (FERRITE_NODE_ID) and backend, as labels",
    labelNames: ['node', 'store'] as const,
    registers,
    collect() {
      this.reset();
      this.set({ node: engine.node.nodeId, store: engine.store.kind }, 1);
    },
  });
  new Gauge({
    name: 'ferrite_maintenance_leader',
    help: '1 while this node runs the maintenance jobs (expiry, timers, idle queues), else 0',
    registers,
    collect() {
      this.set(engine.node.isLeader() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ferrite_metrics_labelled_queues',
    help: 'Queues with series of their own; traffic on others is counted under queue="_other"',
    registers,
    collect() {
      this.set(queueLabels.size);
    },
  });
  new Gauge({
    name: 'ferrite_metrics_labelled_queues_limit',
    help: 'How many queues may have series of their own',
    registers,
    collect() {
      this.set(queueLabels.limit);
    },
  });
  new Gauge({
    name: 'ferrite_long_poll_waiters',
    help: 'Reserve requests parked in a long poll (wait), waiting for a message',
    registers,
    collect() {
      this.set(parkedLongPolls(engine));
    },
  });
  new Gauge({
    name: 'ferrite_store_file_bytes',
    help: 'Size of the store by part, in bytes: on SQLite the data file (file="data") and its write-ahead log (file="wal")',
    labelNames: ['file'] as const,
    registers,
    async collect() {
      for (const [file, bytes] of Object.entries((await storeStats(engine)).bytes)) this.set({ file }, bytes);
    },
  });

  /**
   * One store read per scrape feeds the depth, in-flight and queue-count gauges together; a second, bounded by
   * the label limit, the oldest-message age and dead-letter gauges.
   */
  const refreshQueueGauges = async (): Promise<void> => {
    const stats = await readQueueStats();
    const sums = new Map<string, { labels: QueueLabelValues; size: number; reserved: number | null }>();
    const listed = queueLabels.labelsOfListed(stats.map((s) => ({ projectId: s.projectId, name: s.name })));
    for (const [i, stat] of stats.entries()) {
      const labels = listed[i]!;
      const key = `${labels.project}\u0000${labels.queue}`;
      const sum = sums.get(key) ?? { labels, size: 0, reserved: 0 };
      sum.size += stat.size;
      sum.reserved = sum.reserved === null || stat.reserved === null ? null : sum.reserved + stat.reserved;
      sums.set(key, sum);
    }
    depth.reset();
    inFlight.reset();
    for (const { labels, size, reserved: reservedCount } of sums.values()) {
      depth.set(labels, size);
      if (reservedCount !== null) inFlight.set(labels, reservedCount);
    }
    queueCount.set(stats.length);
    // Age and dead letters: one bounded read for the queues with series of their own (not for `_other`).
    const own = listed.filter((labels) => labels.queue !== OTHER);
    const health = await queueHealth(
      engine,
      own.map((labels) => ({ projectId: labels.project, name: labels.queue })),
    );
    const now = engine.clock.now();
    oldestAge.reset();
    deadLetterDepth.reset();
    health.forEach((each, i) => {
      const labels = own[i]!;
      oldestAge.set(labels, each.oldestAt === null ? 0 : Math.max(0, (now - each.oldestAt) / 1000));
      deadLetterDepth.set(labels, each.deadLetters);
    });
  };

  /**
   * The request counter and latency histogram of each label set, looked up once: prom-client hashes a label
   * object on every call, and there are only (methods × routes × statuses) label sets.
   */
  const series = new Map<
    string,
    {
      count: Counter.Internal;
      time: Histogram.Internal<'method' | 'route' | 'status'>;
    }
  >();
  const seriesOf = (method: string, route: string, status: string) => {
    const key = `${method} ${route} ${status}`;
    let found = series.get(key);
    if (!found) {
      const labels = { method, route, status };
      found = { count: requests.labels(labels), time: latency.labels(labels) };
      series.set(key, found);
    }
    return found;
  };

  const middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    let recorded = false;
    const record = (status: string) => {
      if (recorded) return;
      recorded = true;
      // req.method is read at the end: a POST with X-HTTP-Method-Override counts as the method it acted as.
      const { count, time } = seriesOf(req.method, routeTemplateOf(res) ?? NO_ROUTE, status);
      count.inc();
      time.observe((performance.now() - started) / 1000);
    };
    res.once('finish', () => record(String(res.statusCode)));
    res.once('close', () => record(res.writableFinished ? String(res.statusCode) : 'aborted'));
    next();
  };

  const routes = Router();
  getRoute(routes, '/metrics', async (_req, res) => {
    await refreshQueueGauges();
    const body = await registry.metrics();
    res.statusCode = 200;
    res.setHeader('Content-Type', registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.end(body);
  });

  return {
    registry,
    middleware,
    routes,
    recordPushDelivery,
  };
}

interface EngineCount {
  projectId: string;
  queue: string;
  count: number;
}

/** Queues read per scrape: bounds a scrape's cost; depth series beyond it are not reported. */
const MAX_QUEUE_STATS = 10_000;
