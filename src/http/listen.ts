import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/config';
import type { Logger } from '../log';
import { JSON_TYPE } from './wire';

/** The HTTP server's own limits (see the FERRITE_* settings of the same names). */
export type ListenOptions = Pick<
  Config,
  'port' | 'host' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections'
>;

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
/** A route answered by taking over the connection (the subscribe WebSocket). */
export interface UpgradeRoute {
  accepts(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

export function listen(
  app: (req: IncomingMessage, res: ServerResponse) => void,
  config: ListenOptions,
  log: Logger,
  upgrade?: UpgradeRoute,
): Server {
  const overCap = new WeakSet<Socket>();
  /** The response being produced on each connection, so a parse error after a request does not answer for it. */
  const inFlight = new WeakMap<Socket, ServerResponse>();
  let admitted = 0;
  let warned = false;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
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
  };
  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default, which would stretch a short timeout).
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.headersTimeoutMs / 4))),
    },
    handle,
  );
  // With an 'upgrade' listener Node hands it every request that asks for an upgrade: the upgrade route takes
  // its own; any other (curl's h2c …) is served as a plain request on a connection that then closes, as it
  // would be without the listener.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (upgrade && !overCap.has(socket) && upgrade.accepts(req)) {
      upgrade.handle(req, socket, head);
      return;
    }
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once('finish', () => {
      res.detachSocket(socket);
      socket.destroySoon();
    });
    handle(req, res);
  });
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
