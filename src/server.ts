import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { buildApp } from './app';
import type { Config } from './config/config';
import type { Clock } from './engine/clock';
import type { EngineDeps } from './engine/deps';
import { bootstrapDefaultProject, type CreatedProject } from './engine/projects';
import { EngineEvents } from './engine/events';
import { Waiters } from './engine/waiters';
import type { Logger } from './log';
import { openSqliteStore, type SqliteStore } from './store/sqlite/sqlite-store';
import { startWorker, type Worker } from './worker/scheduler';
import { JSON_TYPE } from './http/wire';

export interface Ferrite {
  url: string;
  port: number;
  store: SqliteStore;
  engine: EngineDeps;
  /** The project created on this start (first start only), with its token. */
  bootstrapped: CreatedProject | null;
  /** Stops accepting, answers parked long polls, waits for in-flight requests, closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock: Clock;
  log: Logger;
  /** Tests drive background jobs themselves with runOnce(now). */
  worker?: boolean;
}

/** Opens the store, bootstraps the default project, and starts HTTP and the worker. */
export async function startFerrite(config: Config, options: StartOptions): Promise<Ferrite> {
  const { clock, log } = options;
  const store = openSqliteStore({ file: config.dbFile, durability: config.durability, now: clock.now() });
  const bootstrapped = await bootstrapDefaultProject(store, clock, {
    projectId: config.defaultProjectId,
    token: config.defaultToken,
  });
  const engine: EngineDeps = {
    store,
    clock,
    waiters: new Waiters(),
    events: new EngineEvents(),
    maxMessageBytes: config.maxMessageBytes,
  };
  const app = buildApp({ engine, log, maxRequestBytes: config.maxRequestBytes });

  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // Slow or stalled clients are cut off; long polls (≤ 30 s) are answers, not requests, so they are not affected.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 30_000;
  // Malformed HTTP gets IronMQ's JSON error shape too, not Node's bare 400.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({
      msg: error.code === 'HPE_HEADER_OVERFLOW' ? 'Headers too large' : 'Bad request',
    });
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  });
  const worker: Worker | null = options.worker === false ? null : startWorker({ store, clock, log, events: engine.events });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      engine.waiters.close();
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      await closed;
      clearTimeout(grace);
      await worker?.stop();
      await store.close();
    })());

  return { url: `http://127.0.0.1:${port}`, port, store, engine, bootstrapped, close };
}
