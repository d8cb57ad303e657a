import type autocannon from 'autocannon';
import { PROJECT, TOKEN } from './dist';

/** Every message body in the bench is 64 bytes. */
export const BODY_BYTES = 64;
export const BODY = 'x'.repeat(BODY_BYTES);

export const HEADERS = { Authorization: `OAuth ${TOKEN}`, 'Content-Type': 'application/json' };

export function queuePath(queue: string): string {
  return `/3/projects/${PROJECT}/queues/${encodeURIComponent(queue)}`;
}

/** `{"messages":[{"body":…},…]}` with `count` 64-byte bodies. */
export function postBody(count: number): string {
  return JSON.stringify({ messages: Array.from({ length: count }, () => ({ body: BODY })) });
}

/** POST `perRequest` messages per request, over and over. */
export function postWorkload(queue: string, perRequest: number): autocannon.Request[] {
  return [{ method: 'POST', path: `${queuePath(queue)}/messages`, body: postBody(perRequest) }];
}

interface Reserved {
  id: string;
  reservation_id: string;
}

/**
 * The consumer's cycle on every connection: post n → reserve n → delete those n (one DELETE per message for
 * n = 1, the batch DELETE with ids and reservation ids otherwise). `onCycled(count)` is told how many messages
 * each delete removed. A reserve that comes back empty (never, in a closed loop where each connection posts
 * before it reserves) is followed by a harmless GET instead of the delete.
 */
export function cycleWorkload(
  queue: string,
  n: number,
  onCycled: (count: number) => void = () => {},
): autocannon.Request[] {
  const base = queuePath(queue);
  return [
    { method: 'POST', path: `${base}/messages`, body: postBody(n) },
    {
      method: 'POST',
      path: `${base}/reservations`,
      body: JSON.stringify({ n }),
      onResponse: (status, body, context) => {
        context.reserved = status === 200 ? (JSON.parse(body) as { messages: Reserved[] }).messages : [];
      },
    },
    {
      setupRequest: (request, context) => {
        const reserved = (context.reserved ?? []) as Reserved[];
        if (reserved.length === 0) return { ...request, method: 'GET', path: base, body: '' };
        if (n === 1) {
          const [message] = reserved as [Reserved];
          return {
            ...request,
            method: 'DELETE',
            path: `${base}/messages/${message.id}`,
            body: JSON.stringify({ reservation_id: message.reservation_id }),
          };
        }
        return {
          ...request,
          method: 'DELETE',
          path: `${base}/messages`,
          body: JSON.stringify({
            ids: reserved.map((m) => ({ id: m.id, reservation_id: m.reservation_id })),
          }),
        };
      },
      onResponse: (status, _body, context) => {
        if (status === 200) onCycled(((context.reserved ?? []) as Reserved[]).length);
      },
    },
  ];
}
