import { setTimeout as sleep } from 'node:timers/promises';
import { HEADERS, queuePath } from './ironmq';
import { RawHttpConnection, buildRequest } from './raw-http';

/**
 * Consumers that each hold one connection with a long-polling reserve (`wait`) outstanding, and send the next
 * one as soon as it is answered (a message, or nothing when the wait ran out), as IronMQ workers do.
 */
export class LongPollers {
  private readonly connections: RawHttpConnection[] = [];
  private readonly reserve: Buffer;
  private stopped = false;
  answers = 0;
  failures = 0;
  lastFailure: string | null = null;

  constructor(
    private readonly port: number,
    queue: string,
    waitSeconds: number,
    /** Called with the bodies of the messages each answer carried, as soon as it is parsed. */
    private readonly onMessages: ((bodies: string[]) => void) | null = null,
  ) {
    this.reserve = buildRequest(
      'POST',
      `${queuePath(queue)}/reservations`,
      HEADERS,
      JSON.stringify({ n: 1, wait: waitSeconds }),
    );
  }

  get open(): number {
    return this.connections.length;
  }

  /**
   * Opens `count` more connections, `batch` at a time (a burst of thousands of connects would overflow the
   * server's accept backlog), each starting its poll loop at once.
   */
  async add(count: number, batch = 100): Promise<void> {
    for (let done = 0; done < count && !this.stopped; done += batch) {
      const size = Math.min(batch, count - done);
      const opened = await Promise.all(
        Array.from({ length: size }, () =>
          RawHttpConnection.connect(this.port).catch((error: Error) => {
            this.fail(error.message);
            return null;
          }),
        ),
      );
      for (const connection of opened) {
        if (!connection) continue;
        this.connections.push(connection);
        void this.poll(connection);
      }
    }
  }

  close(): void {
    this.stopped = true;
    for (const connection of this.connections) connection.close();
    this.connections.length = 0;
  }

  private async poll(connection: RawHttpConnection): Promise<void> {
    while (!this.stopped) {
      try {
        const answer = await connection.request(this.reserve);
        this.answers++;
        if (answer.status !== 200) {
          this.fail(`HTTP ${answer.status}: ${answer.body.slice(0, 80)}`);
          await sleep(200);
        } else if (this.onMessages) {
          const { messages } = JSON.parse(answer.body) as { messages: { body: string }[] };
          if (messages.length > 0) this.onMessages(messages.map((m) => m.body));
        }
      } catch (error) {
        if (!this.stopped) this.fail(error instanceof Error ? error.message : String(error));
        return;
      }
    }
  }

  private fail(reason: string): void {
    this.failures++;
    this.lastFailure = reason;
  }
}
