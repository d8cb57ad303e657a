import type { AddressInfo } from 'node:net';
import { buildApp } from './app';
import { SETTINGS, type Config } from './config/config';
import type { Clock } from './engine/clock';
import type { EngineDeps } from './engine/deps';
import { ActivityLog } from './engine/activity-log';
import { EngineEvents } from './engine/events';
import { checkAuthMode } from './engine/open-auth';
import { bootstrapDefaultProject, type CreatedProject } from './engine/projects';
import { Subscriptions } from './engine/subscriptions';
import { resolveCrimsonq } from './http/crimsonq/settings';
import { listen } from './http/listen';
import type { Logger } from './log';
import { openStore } from './store/open-store';
import type { Store } from './store/store';
import { createPushClient } from './worker/push-client';
import { PushDispatcher } from './worker/push-dispatcher';
import { startWorker, type Worker } from './worker/scheduler';
import { crimsonqWebsocket } from './http/crimsonq/websocket';
import { startRespServer, type RespServer } from './resp/server';

export interface Ferrite {
  url: string;
  port: number;
  store: Store;
  engine: EngineDeps;
  /** The project created on this start (first start only), with its token. */
  bootstrapped: CreatedProject | null;
  /** Push delivery; tests with a fake clock advance it and call `push.drain()`. */
  push: PushDispatcher;
  /** The CrimsonQ RESP interface; null when FERRITE_RESP_PORT is 0. */
  resp: RespServer | null;
  /** The subscribe channel (RESP, WebSocket, SSE); tests call `subscriptions.heartbeat()`. */
  subscriptions: Subscriptions;
  /** Queue activity counted in memory; tests without the worker call `activity.flush()`. */
  activity: ActivityLog;
  /** Stops accepting, answers parked long polls, waits for in-flight requests, closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock: Clock;
  log: Logger;
  /** Tests drive background jobs themselves with runOnce(now). */
  worker?: boolean;
  /** The RESP port instead of FERRITE_RESP_PORT, where 0 is any free port (tests); not off. */
  respPort?: number;
}

/** Composition: opens the store, bootstraps the default project, and starts HTTP and the worker. */
export async function startFerrite(config: Config, options: StartOptions): Promise<Ferrite> {
  const { clock, log } = options;
  const { store, wakeups, node } = await openStore(config.store, {
    now: clock.now(),
    maxWaiters: config.maxLongPolls,
    clock: () => clock.now(),
    log: (level, message, meta) => log.log(level, message, meta),
  });
  try {
    await checkAuthMode(store, config.auth);
  } catch (error) {
    wakeups.close();
    await node.close();
    await store.close();
    throw error;
  }
  const events = new EngineEvents();
  const activity = new ActivityLog({ store, clock, events });
  const engine: EngineDeps = {
    store,
    wakeups,
    clock,
    node,
    events,
    activity,
    maxMessageBytes: config.maxMessageBytes,
    pushStatusRetentionMs: config.pushStatusRetentionSeconds * 1000,
    consumerDefaults: {
      activeTimeout: config.consumerActiveTimeout,
      overdueTimeout: config.consumerOverdueTimeout,
      idleExpiry: config.consumerIdleExpiryHours * 3600,
    },
  };
  const bootstrapped = await bootstrapDefaultProject(engine, {
    projectId: config.defaultProjectId,
    token: config.defaultToken,
  });
  const subscriptions = new Subscriptions(engine, {
    heartbeatMs: config.subscribeHeartbeatSeconds * 1000,
    onError: (error, consumer) =>
      log.warn('subscribe heartbeat failed', { ...consumer, error: String(error) }),
  });
  subscriptions.start();
  const crimsonq = await resolveCrimsonq(config, engine, subscriptions, log);
  const app = buildApp({
    engine,
    log,
    maxRequestBytes: config.maxRequestBytes,
    crimsonq,
    sqs: {
      ironmqScheme: config.sqsIronmqAuth,
      region: config.sqsRegion,
      publicUrl: config.publicUrl ?? null,
    },
    openAuth: config.auth === 'open',
  });

  const server = listen(app, config, log, crimsonqWebsocket(engine, crimsonq, log));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // After start, an accept error (EMFILE: out of file descriptors) is logged; an unhandled one would crash.
  server.removeAllListeners('error');
  server.on('error', (error) => log.error('server error', { error: String(error) }));
  const port = (server.address() as AddressInfo).port;
  const respPort = options.respPort ?? (config.respPort === 0 ? null : config.respPort);
  if (respPort !== null && config.crimsonqRespPassword === SETTINGS.crimsonqRespPassword.default) {
    log.warn('The CrimsonQ RESP interface accepts the default password: set CRIMSONQ_RESP_PASS');
  }
  const resp =
    respPort === null
      ? null
      : await startRespServer(
          engine,
          subscriptions,
          {
            host: config.host,
            port: respPort,
            password: config.crimsonqRespPassword,
            projectId: crimsonq.defaultProjectId,
            allow: config.respAllowList,
            maxConnections: config.respMaxConnections,
            maxBulkBytes: config.respMaxBulkBytes,
            idleTimeoutMs: config.respIdleTimeoutMs,
            maxOutputBytes: config.respMaxOutputBytes,
            shutdownGraceMs: config.shutdownGraceMs,
          },
          log,
        ).catch(async (error: unknown) => {
          // The HTTP server is up: close it, so a failed start leaves nothing listening.
          server.close();
          server.closeAllConnections();
          subscriptions.close();
          wakeups.close();
          await store.close();
          throw new Error(`cannot listen for RESP on ${config.host}:${respPort}: ${String(error)}`, {
            cause: error,
          });
        });
  // Push delivery runs whenever the server does: deliveries are woken by posts, not only by the scheduler.
  const push = new PushDispatcher(
    engine,
    createPushClient({ timeoutMs: config.pushTimeoutMs, allowPrivate: config.pushAllowPrivate }),
    log,
    {
      concurrency: config.pushConcurrency,
      perQueue: config.pushQueueConcurrency,
      timeoutMs: config.pushTimeoutMs,
      retentionMs: config.pushStatusRetentionSeconds * 1000,
      publicUrl: config.publicUrl ?? `http://localhost:${port}`,
    },
  );
  push.kick();
  store.onAlertFired((alert) => engine.events.emit('alert:fired', alert));
  const worker: Worker | null =
    options.worker === false
      ? null
      : startWorker({
          store,
          clock,
          log,
          events: engine.events,
          push,
          node,
          activity,
          statsFlushSeconds: config.statsFlushSeconds,
        });
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      wakeups.close();
      subscriptions.close();
      const respClosed = resp?.close();
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      await closed;
      await respClosed;
      clearTimeout(grace);
      await worker?.stop();
      await push.stop();
      // The last counts of queue activity; a store that cannot write loses them (never a message).
      await activity
        .flush(clock.now())
        .catch((error: unknown) =>
          log.warn('the last queue activity counts could not be written', { error: String(error) }),
        );
      await node.close();
      await store.close();
    })());

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    engine,
    bootstrapped,
    push,
    activity,
    resp,
    subscriptions,
    close,
  };
}
