import type { RequestHandler, Response } from 'express';
import { statusCounts } from '../../engine/consumers';
import type { EngineDeps } from '../../engine/deps';
import { QueueNotFound } from '../../domain/errors';
import type { EngineEventMap, EngineEvents } from '../../engine/events';
import type { Logger } from '../../log';
import { projectOf } from './auth';
import { consumerParam } from './params';
import { sendText } from './respond';
import { CQ_HTTP } from './wire';

/**
 * `GET /api/subscribe/:consumerId`, the stream CrimsonQ planned ("//TODO: Open websocket here") and only had
 * over RESP: Server-Sent Events carrying the strings of CrimsonQ's RESP channel, each new message id as it is
 * posted and `pendingCount:<n>` on connect and every heartbeat. The heartbeat reads the counts, which is the
 * consumer's keep-alive, so an open stream keeps the consumer from expiring.
 */

/** A client that reads slower than messages arrive is cut off past this much unsent data, not buffered forever. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

type Listener = (ids: readonly string[]) => void;

/** Every open stream, so shutdown can end them; and one engine listener that routes posts to them. */
export class SubscribeStreams {
  private readonly byConsumer = new Map<string, Set<Listener>>();
  private readonly open = new Set<Response>();
  private closed = false;
  private readonly onPosted = (event: EngineEventMap['messages:posted'][0]) => {
    for (const listener of this.byConsumer.get(key(event.projectId, event.queue)) ?? []) listener(event.ids);
  };

  constructor(private readonly events: EngineEvents) {
    events.on('messages:posted', this.onPosted);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Registers a stream; returns its removal. */
  add(projectId: string, consumerId: string, res: Response, listener: Listener): () => void {
    const k = key(projectId, consumerId);
    let listeners = this.byConsumer.get(k);
    if (!listeners) this.byConsumer.set(k, (listeners = new Set()));
    listeners.add(listener);
    this.open.add(res);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.byConsumer.get(k) === listeners) this.byConsumer.delete(k);
      this.open.delete(res);
    };
  }

  /** Shutdown: ends every stream and closes its connection, so the server's close does not wait on them. */
  closeAll(): void {
    this.closed = true;
    this.events.off('messages:posted', this.onPosted);
    for (const res of [...this.open]) {
      const socket = res.socket;
      res.end();
      socket?.end();
    }
    this.open.clear();
  }
}

const key = (projectId: string, consumerId: string) => `${projectId}\n${consumerId}`;

export function subscribe(
  deps: EngineDeps,
  streams: SubscribeStreams,
  heartbeatSeconds: number,
  log: Logger,
): RequestHandler {
  return async (req, res) => {
    const projectId = projectOf(res);
    const consumerId = consumerParam(req);
    // Refused before the stream starts: an unknown consumer is a plain 001.
    const counts = await statusCounts(deps, projectId, consumerId);
    if (streams.isClosed) {
      sendText(res, 503, CQ_HTTP.unavailable);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      res.end();
    };
    const send = (data: string) => {
      if (ended) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        log.warn('subscribe stream closed: the client does not read', { projectId, consumerId });
        end();
        return;
      }
      res.write(`data: ${data}\n\n`);
    };
    send(`pendingCount:${counts.pending}`);
    const remove = streams.add(projectId, consumerId, res, (ids) => ids.forEach(send));
    const timer = setInterval(() => {
      statusCounts(deps, projectId, consumerId).then(
        (now) => send(`pendingCount:${now.pending}`),
        (error: unknown) => {
          // The consumer was destroyed (or expired): nothing more will come.
          if (!(error instanceof QueueNotFound))
            log.warn('subscribe heartbeat failed', { error: String(error) });
          end();
        },
      );
    }, heartbeatSeconds * 1000);
    timer.unref();
    res.on('close', () => {
      ended = true;
      clearInterval(timer);
      remove();
    });
  };
}
