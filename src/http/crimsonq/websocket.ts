import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { existingConsumer } from '../../domain/consumers';
import { FerriteError, QueueNotFound } from '../../domain/errors';
import { statusCounts } from '../../engine/consumers';
import type { EngineDeps } from '../../engine/deps';
import type { Logger } from '../../log';
import { crimsonqErrorOf } from './errors';
import { authenticateCrimsonq } from './auth';
import type { CrimsonqOptions } from './settings';
import { MAX_BUFFERED_BYTES } from './subscribe';
import { CQ_HTTP, TEXT_TYPE } from './wire';

/**
 * `GET /api/subscribe/:consumerId` with `Upgrade: websocket`: the WebSocket stream CrimsonQ's REST page
 * promised and never built. Authenticated as every /api route (a login token, or an IronMQ token in the
 * header or `?oauth=`), refused before the upgrade with /api's text answers (400 `Missing or malformed JWT`,
 * 401, 400 `001:incorrect_consumer_id` …). Once open it sends one text message per new message id and
 * `pendingCount:<n>` on open and every heartbeat, the strings of the SSE stream and of RESP's channel; it
 * keeps the consumer alive while open. What the client sends is ignored.
 */

const PATH = /^\/api\/subscribe\/([^/]+)\/?$/;
/** Clients have nothing to say on this stream: a large frame is refused by ws (close 1009). */
const MAX_CLIENT_PAYLOAD = 4096;
/** How long a closing handshake may take before the connection is cut (shutdown, a slow reader). */
const CLOSE_TIMEOUT_MS = 1000;

export interface CrimsonqWebsocket {
  /** Whether an upgrade request is this route's (any other is served as a plain HTTP request). */
  accepts(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** An HTTP answer written on the raw socket of a refused upgrade, then the connection closes. */
function refuse(socket: Duplex, status: number, text: string, extra = ''): void {
  const body = Buffer.from(text, 'utf8');
  const reason = {
    400: 'Bad Request',
    401: 'Unauthorized',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  socket.end(
    `HTTP/1.1 ${status} ${reason[status as keyof typeof reason] ?? 'Error'}\r\nContent-Type: ${TEXT_TYPE}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n${extra}\r\n${body.toString('utf8')}`,
  );
}

/** The consumer id as Express decodes a path parameter; malformed percent-encoding names no consumer. */
function decodeOrRaw(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new QueueNotFound(raw);
  }
}

export function crimsonqWebsocket(
  deps: EngineDeps,
  options: CrimsonqOptions,
  log: Logger,
): CrimsonqWebsocket {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_PAYLOAD,
    perMessageDeflate: false,
  });
  const { subscriptions } = options;

  const open = async (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, raw: string) => {
    const auth = await authenticateCrimsonq(
      deps,
      options,
      req.headers.authorization,
      url.searchParams.get('oauth') ?? undefined,
    );
    if ('status' in auth) {
      refuse(socket, auth.status, auth.text);
      return;
    }
    let consumerId: string;
    let pending: number;
    try {
      consumerId = existingConsumer(decodeOrRaw(raw));
      pending = (await statusCounts(deps, auth.projectId, consumerId)).pending;
    } catch (error) {
      if (!(error instanceof FerriteError)) throw error;
      const { status, text } = crimsonqErrorOf(error.code, {
        command: 'subscribe',
        method: 'GET',
        path: url.pathname,
      });
      refuse(socket, status, text, status === 503 ? 'Retry-After: 1\r\n' : '');
      return;
    }
    if (subscriptions.isClosed || socket.destroyed) {
      refuse(socket, 503, CQ_HTTP.unavailable, 'Retry-After: 1\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const send = (data: string) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
          log.warn('subscribe WebSocket closed: the client does not read', {
            projectId: auth.projectId,
            consumerId,
          });
          ws.terminate();
          return;
        }
        ws.send(data);
      };
      const close = (code: number, reason: string) => {
        ws.close(code, reason);
        setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS).unref();
      };
      send(`pendingCount:${pending}`);
      const remove = subscriptions.add(auth.projectId, consumerId, {
        messages: (ids) => ids.forEach(send),
        pendingCount: (count) => send(`pendingCount:${count}`),
        gone: () => close(1000, 'consumer destroyed'),
        shutdown: () => close(1001, 'server shutting down'),
      });
      ws.on('close', remove);
      ws.on('error', () => ws.terminate());
    });
  };

  return {
    accepts: (req) =>
      req.method === 'GET' &&
      req.headers.upgrade?.toLowerCase() === 'websocket' &&
      PATH.test(new URL(req.url ?? '/', 'http://localhost').pathname),
    handle: (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      const url = new URL(req.url ?? '/', 'http://localhost');
      const raw = PATH.exec(url.pathname)![1]!;
      open(req, socket, head, url, raw).catch((error: unknown) => {
        log.error('subscribe WebSocket failed', {
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
        if (!socket.destroyed) refuse(socket, 500, CQ_HTTP.internal);
      });
    },
  };
}
