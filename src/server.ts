import { accessSync, closeSync, constants as fsConstants, existsSync, mkdirSync, openSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { buildApp } from './app';
import type { Config } from './config/config';
import type { Clock } from './engine/clock';
import type { EngineDeps } from './engine/deps';
import { bootstrapDefaultProject, type CreatedProject } from './engine/projects';
import { EngineEvents } from './engine/events';
import { Waiters } from './engine/waiters';
import type { Logger } from './log';
import { openSqliteStore, type SqliteStore } from './store/sqlite/sqlite-store';
import { createPushClient } from './worker/push-client';
import { PushDispatcher } from './worker/push-dispatcher';
import { startWorker, type Worker } from './worker/scheduler';
import { resolveCrimsonq } from './http/crimsonq/settings';
import { JSON_TYPE } from './http/wire';

export interface Ferrite {
  url: string;
  port: number;
  store: SqliteStore;
  engine: EngineDeps;
  /** The project created on this start (first start only), with its token. */
  bootstrapped: CreatedProject | null;
  /** Push delivery; tests with a fake clock advance it and call `push.drain()`. */
  push: PushDispatcher;
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
  const store = openStore(config, clock);
  const bootstrapped = await bootstrapDefaultProject(store, clock, {
    projectId: config.defaultProjectId,
    token: config.defaultToken,
  });
  const engine: EngineDeps = {
    store,
    clock,
    waiters: new Waiters(config.maxLongPolls),
    events: new EngineEvents(),
    maxMessageBytes: config.maxMessageBytes,
    pushStatusRetentionMs: config.pushStatusRetentionSeconds * 1000,
    consumerDefaults: {
      activeTimeout: config.consumerActiveTimeout,
      overdueTimeout: config.consumerOverdueTimeout,
      idleExpiry: config.consumerIdleExpiryHours * 3600,
    },
  };
  const crimsonq = await resolveCrimsonq(config, store, engine.events, log);
  const app = buildApp({
    engine,
    log,
    maxRequestBytes: config.maxRequestBytes,
    crimsonq,
    dataFile: config.dbFile === ':memory:' ? null : config.dbFile,
  });

  const server = listen(app, config, log);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // After start, an accept error (EMFILE: out of file descriptors) is logged; an unhandled one would crash.
  server.removeAllListeners('error');
  server.on('error', (error) => log.error('server error', { error: String(error) }));
  const port = (server.address() as AddressInfo).port;
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
    options.worker === false ? null : startWorker({ store, clock, log, events: engine.events, push });
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      engine.waiters.close();
      crimsonq.streams.closeAll();
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      await closed;
      clearTimeout(grace);
      await worker?.stop();
      await push.stop();
      await store.close();
    })());

  return { url: `http://127.0.0.1:${port}`, port, store, engine, bootstrapped, push, close };
}

/**
 * Opens the data file, first checking that it can be written: SQLite silently opens a file it may not write
 * read-only, and the server would then refuse every write. Failing here gives a clear message and exit code.
 */
function openStore(config: Config, clock: Clock): SqliteStore {
  const file = config.dbFile;
  try {
    if (file !== ':memory:') checkWritable(file);
    return openSqliteStore({ file, durability: config.durability, now: clock.now() });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    throw new Error(
      `cannot open the data file ${path.resolve(file)} for writing: ${reason}` +
        (typeof code === 'string' && !reason.includes(code) ? ` (${code})` : ''),
      { cause: error },
    );
  }
}

/** Throws EROFS/EPERM/EACCES when the data folder, file, or its WAL files cannot be written (root included). */
function checkWritable(file: string): void {
  const dir = path.dirname(path.resolve(file));
  makeFolder(dir);
  accessSync(dir, fsConstants.W_OK);
  for (const each of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(each)) closeSync(openSync(each, 'r+'));
  }
}

/**
 * Creates `dir` and its missing parents one level at a time. Node's `mkdirSync(…, { recursive: true })` spins
 * forever where mkdir answers ENOENT for a parent that exists (a path under /proc), hanging the start.
 */
function makeFolder(dir: string): void {
  if (existsSync(dir)) return;
  makeFolder(path.dirname(dir));
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** How long a connection is drained after an early answer before it is closed hard. */
const LINGER_MS = 2000;

/**
 * An answer sent before the request body was read whole (413 from Content-Length, /healthz, a refusal) on a
 * connection that then closes: closing at once would reset the connection while the client is still sending,
 * and the client would lose the answer. The connection is half-closed instead, and the rest of the body is
 * read and dropped until the client closes its side, for LINGER_MS at most (Apache's "lingering close").
 */
function lingerIfAnsweredEarly(req: IncomingMessage, res: ServerResponse): void {
  res.once('prefinish', () => {
    if (req.complete) return;
    lingerOnClose(req.socket);
  });
}

/** Makes Node's close-after-answer a lingering close for this connection. */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = () => {
    socket.end();
    linger(socket);
  };
}

/** Connections that were answered and are being drained: parse errors on what follows are not answered. */
const lingering = new WeakSet<Socket>();

/** After our side's FIN: reads and drops what the client still sends, until it closes or LINGER_MS pass. */
function linger(socket: Socket): void {
  lingering.add(socket);
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
}

const BUSY_BODY = JSON.stringify({ msg: 'Too many connections; retry later' });

/**
 * The HTTP server with its limits: header, request and keep-alive timeouts, and a cap on open connections.
 * A connection over the cap is answered 503 (JSON, Retry-After) on its first request and closed; beyond twice
 * the cap, new connections are closed at once without an answer.
 */
function listen(
  app: (req: IncomingMessage, res: ServerResponse) => void,
  config: Config,
  log: Logger,
): Server {
  const overCap = new WeakSet<Socket>();
  /** The response being produced on each connection, so a parse error after a request does not answer for it. */
  const inFlight = new WeakMap<Socket, ServerResponse>();
  let admitted = 0;
  let warned = false;
  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default, which would stretch a short timeout).
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.headersTimeoutMs / 4))),
    },
    (req, res) => {
      lingerIfAnsweredEarly(req, res);
      inFlight.set(req.socket, res);
      res.once('close', () => {
        if (inFlight.get(req.socket) === res) inFlight.delete(req.socket);
      });
      if (!overCap.has(req.socket)) {
        app(req, res);
        return;
      }
      res.statusCode = 503;
      res.setHeader('Content-Type', JSON_TYPE);
      res.setHeader('Content-Length', Buffer.byteLength(BUSY_BODY));
      res.setHeader('Retry-After', '1');
      res.setHeader('Connection', 'close');
      res.end(BUSY_BODY);
    },
  );
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.maxConnections = config.maxConnections * 2;
  server.on('connection', (socket: Socket) => {
    if (admitted >= config.maxConnections) {
      overCap.add(socket);
      // Once per overload, not once per connection: a flood must not also flood the log.
      if (!warned) log.warn('FERRITE_MAX_CONNECTIONS reached: new connections get 503', { open: admitted });
      warned = true;
      return;
    }
    admitted++;
    socket.once('close', () => {
      admitted--;
      if (admitted < config.maxConnections) warned = false;
    });
  });
  // Malformed HTTP and slow clients get IronMQ's JSON error shape too, not Node's bare answer.
  const answered = new WeakSet<Socket>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // The parser keeps failing on the bytes that follow a bad request; the answer is already out.
    if (answered.has(socket) || lingering.has(socket)) return;
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const pending = inFlight.get(socket);
    if (pending && (pending.req.complete || pending.writableEnded)) {
      // Bad bytes after a whole request (pipelined garbage, a lying Content-Length), or after an answer that is
      // already on its way: that answer must not be replaced by a 400 the client would take for it, nor lost to
      // a reset. Let it finish, then close.
      pending.shouldKeepAlive = false;
      lingerOnClose(socket);
      answered.add(socket);
      return;
    }
    if (pending?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, msg] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? ['431 Request Header Fields Too Large', 'Headers too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['408 Request Timeout', 'Request was not received in time']
          : ['400 Bad Request', 'Bad request'];
    const body = JSON.stringify({ msg });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
    answered.add(socket);
    linger(socket);
  });
  server.listen(config.port, config.host);
  return server;
}
