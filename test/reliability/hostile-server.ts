import { createProject } from '../../src/engine/projects';
import { startServer, type TestServer } from '../helpers/server';
import type { HostileContext } from './hostile-requests';

const QUEUE = 'stable';

/**
 * A server for hostile input: small body limits (so that "over the limit" is cheap to send), short HTTP
 * timeouts (so that a stalled request ends within a test), a second project, and a queue holding a reserved
 * message whose ids the cases can name.
 */
export async function startHostileServer(): Promise<{
  server: TestServer;
  context: () => Promise<HostileContext>;
}> {
  const server = await startServer({
    env: {
      FERRITE_DURABILITY: 'off',
      FERRITE_MAX_REQUEST_BYTES: String(64 * 1024),
      FERRITE_MAX_MESSAGE_BYTES: String(8 * 1024),
      FERRITE_HEADERS_TIMEOUT_MS: '1000',
      FERRITE_REQUEST_TIMEOUT_MS: '2000',
    },
  });
  const other = await createProject(server.engine);
  const headers = { Authorization: `OAuth ${server.token}`, 'Content-Type': 'application/json' };
  const base = `${server.base}/queues/${QUEUE}`;
  let held: { messageId: string; reservationId: string } | null = null;

  /** The reserved message, reserved again whenever a case deleted, released or let it time out. */
  const context = async (): Promise<HostileContext> => {
    const row = held
      ? (server
          .dataFile()
          .prepare('SELECT state, reservation_id, visible_at FROM messages WHERE id = ?')
          .get(Number(held.messageId)) as
          { state: number; reservation_id: string; visible_at: number } | undefined)
      : undefined;
    const stillHeld =
      held &&
      row &&
      row.state === 2 &&
      row.reservation_id === held.reservationId &&
      row.visible_at > server.clock.now();
    if (!stillHeld) {
      await fetch(base, { method: 'PUT', headers, body: '{}' });
      const posted = await fetch(`${base}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ messages: [{ body: 'held' }, { body: 'free' }] }),
      });
      if (posted.status !== 201) throw new Error(`cannot set up the hostile context: ${posted.status}`);
      const reserved = await fetch(`${base}/reservations`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ n: 1, timeout: 86_400 }),
      });
      const [message] = ((await reserved.json()) as { messages: { id: string; reservation_id: string }[] })
        .messages;
      if (!message) throw new Error('cannot reserve the hostile context message');
      held = { messageId: message.id, reservationId: message.reservation_id };
    }
    return {
      port: server.port,
      projectId: server.projectId,
      token: server.token,
      otherProjectId: other.project.id,
      otherToken: other.token,
      queue: QUEUE,
      messageId: held!.messageId,
      reservationId: held!.reservationId,
      db: server.dataFile(),
    };
  };
  return { server, context };
}

/** GET /healthz answers 200: the server survived. */
export async function healthy(server: TestServer): Promise<boolean> {
  const res = await fetch(`${server.url}/healthz`);
  return res.status === 200;
}
