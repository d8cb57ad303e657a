import type { EngineEventMap } from '../../src/engine/events';
import { api, q } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import type { TestServer } from '../helpers/server';

/** Shared pieces of the push, webhook and alert suites. */

/** Local receivers need private addresses allowed; a short timeout keeps "slow subscriber" tests fast. */
export const PUSH_ENV = { FERRITE_PUSH_ALLOW_PRIVATE: 'true', FERRITE_PUSH_TIMEOUT_MS: '300' };

type EventName = keyof EngineEventMap;
type Payload<E extends EventName> = EngineEventMap[E][0];

/**
 * Records every push and alert event from the moment it is created, so a test can wait for an event that may
 * already have happened (deliveries start on their own right after a post).
 */
export class EventLog {
  private readonly seen: { name: EventName; payload: unknown }[] = [];
  private readonly waiters: { name: EventName; match: (payload: unknown) => boolean; done: () => void }[] =
    [];

  constructor(server: TestServer) {
    const names: EventName[] = [
      'push:queued',
      'push:delivered',
      'push:held',
      'push:failed',
      'push:error',
      'push:completed',
      'alert:fired',
    ];
    for (const name of names) {
      server.engine.events.on(name, (payload: unknown) => {
        this.seen.push({ name, payload });
        for (const waiter of [...this.waiters]) {
          if (waiter.name === name && waiter.match(payload)) waiter.done();
        }
      });
    }
  }

  /** Every recorded event of this name that matches. */
  all<E extends EventName>(name: E, match: (payload: Payload<E>) => boolean = () => true): Payload<E>[] {
    return this.seen
      .filter((event) => event.name === name && match(event.payload as Payload<E>))
      .map((event) => event.payload as Payload<E>);
  }

  /** Resolves once `count` matching events of this name have been recorded (counting those already seen). */
  wait<E extends EventName>(
    name: E,
    match: (payload: Payload<E>) => boolean = () => true,
    count = 1,
    timeoutMs = 5000,
  ): Promise<Payload<E>[]> {
    const enough = () => this.all(name, match).length >= count;
    if (enough()) return Promise.resolve(this.all(name, match));
    return new Promise((resolve, reject) => {
      const waiter = {
        name: name,
        match: () => enough(),
        done: () => {
          clearTimeout(timer);
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          resolve(this.all(name, match));
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${count} × ${name} (saw ${this.all(name, match).length})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export interface WireStatus {
  name: string;
  url: string;
  status: 'queued' | 'reserved' | 'retrying' | 'deleted' | 'error';
  status_code?: number;
  msg?: string;
  tries: number;
  retries_remaining: number;
  last_try_at?: string;
  reservation_id?: string;
}

export interface SubscriberSpec {
  name?: string;
  url: string;
  headers?: Record<string, string>;
}

/** HTTP helpers bound to one server; every response asserted here is checked against openapi.yaml. */
export function pushApi(server: TestServer) {
  const http = api(server);
  return {
    http,
    async createQueue(name: string, queue: object): Promise<Record<string, unknown>> {
      const res = await http.put(`/queues/${q(name)}`).send({ queue });
      expectMatchesSpec(res);
      expect([res.status, res.body]).toEqual([200, expect.anything()]);
      return res.body.queue as Record<string, unknown>;
    },
    createPushQueue(
      name: string,
      subscribers: SubscriberSpec[],
      options: {
        type?: 'multicast' | 'unicast';
        retries?: number;
        retries_delay?: number;
        error_queue?: string;
      } = {},
    ): Promise<Record<string, unknown>> {
      const { type = 'multicast', ...push } = options;
      return this.createQueue(name, { type, push: { subscribers, ...push } });
    },
    async post(
      name: string,
      ...messages: (string | { body: string; delay?: number; push_headers?: object })[]
    ) {
      const res = await http
        .post(`/queues/${q(name)}/messages`)
        .send({ messages: messages.map((m) => (typeof m === 'string' ? { body: m } : m)) });
      expectMatchesSpec(res);
      expect(res.status).toBe(201);
      return res.body.ids as string[];
    },
    async statuses(name: string, id: string): Promise<WireStatus[]> {
      const res = await http.get(`/queues/${q(name)}/messages/${id}/subscribers`);
      expectMatchesSpec(res);
      expect(res.status).toBe(200);
      return res.body.subscribers as WireStatus[];
    },
    /** The status of one subscriber. */
    async statusOf(name: string, id: string, subscriber: string): Promise<WireStatus> {
      const found = (await this.statuses(name, id)).find((s) => s.name === subscriber);
      if (!found) throw new Error(`no push status for ${subscriber}`);
      return found;
    },
    async info(name: string): Promise<{ size: number; total_messages: number } & Record<string, unknown>> {
      const res = await http.get(`/queues/${q(name)}`);
      expectMatchesSpec(res);
      expect(res.status).toBe(200);
      return res.body.queue;
    },
    /** Reserves (pull queues) up to n messages and returns them. */
    async reserve(name: string, n = 100): Promise<{ id: string; body: string; reservation_id: string }[]> {
      const res = await http.post(`/queues/${q(name)}/reservations`).send({ n });
      expectMatchesSpec(res);
      expect(res.status).toBe(200);
      return res.body.messages;
    },
  };
}

export type PushApi = ReturnType<typeof pushApi>;

let seq = 0;
/** A queue name no other test of the file uses. */
export const fresh = (name: string): string => `${name}-${++seq}`;

export const SECOND = 1000;
