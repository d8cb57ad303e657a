import type { RequestHandler } from 'express';
import { statusCounts } from '../../engine/consumers';
import type { EngineDeps } from '../../engine/deps';
import type { Subscriptions } from '../../engine/subscriptions';
import type { Logger } from '../../log';
import { projectOf } from './auth';
import { consumerParam } from './params';
import { sendText } from './respond';
import { CQ_HTTP } from './wire';

/**
 * `GET /api/subscribe/:consumerId` without an Upgrade header: Server-Sent Events carrying the strings of
 * CrimsonQ's RESP channel, each new message id as it is posted and `pendingCount:<n>` on connect and every
 * heartbeat (src/engine/subscriptions.ts), for clients without WebSocket. An open stream keeps the consumer
 * alive. With `Upgrade: websocket`, the same route is the WebSocket stream (websocket.ts).
 */

/** A client that reads slower than messages arrive is cut off past this much unsent data, not buffered forever. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export function subscribe(deps: EngineDeps, subscriptions: Subscriptions, log: Logger): RequestHandler {
  return async (req, res) => {
    const projectId = projectOf(res);
    const consumerId = consumerParam(req);
    // Refused before the stream starts: an unknown consumer is a plain 001.
    const counts = await statusCounts(deps, projectId, consumerId);
    if (subscriptions.isClosed) {
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
    const remove = subscriptions.add(projectId, consumerId, {
      messages: (ids) => ids.forEach(send),
      pendingCount: (count) => send(`pendingCount:${count}`),
      gone: end,
      shutdown: () => {
        const socket = res.socket;
        end();
        socket?.end();
      },
    });
    res.on('close', () => {
      ended = true;
      remove();
    });
  };
}
