import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import type { TestServer } from '../helpers/server';
import { closeClients, redis, startResp } from './resp';

/**
 * The flow of CrimsonQ's Node client (npm `crimsonq`, lib/crimsonq.js, consumer.js, producer.js, recvdMsg.js),
 * written here against ioredis the way that client uses it: two connections (one for commands, one that
 * subscribes); functions built from the `command` list (name with `.` → `_`, the argument count from the
 * `[arg]` words); `exists`/`concurrency_ok` compared with the strings "true"/"false"; `JSON.parse` of a pull;
 * a pull per announced id, and n+1 pulls on `pendingCount:<n>`. The client's ioredis 4 speaks RESP2 and sends
 * nothing but AUTH and INFO when it connects, so these connections do too.
 */

type Result = { value: unknown; error: unknown };

class Client {
  readonly commander: Redis;
  readonly subscriber: Redis;
  readonly command: Record<string, (...args: (string | number)[]) => Promise<Result>> = {};

  constructor(server: TestServer) {
    const options = { protocol: 2, disableClientInfo: true } as const;
    this.commander = redis(server, options);
    this.subscriber = redis(server, options);
  }

  async connect(): Promise<void> {
    const list = (await this.commander.call('command')) as string[];
    for (const line of list) {
      const words = line.split(' ');
      const name = words[0]!;
      const arity = words.length - 1 - (line.endsWith(' []') ? 1 : 0);
      this.command[name.replace(/\./g, '_')] = async (...args) => {
        if (args.length !== arity) return { value: null, error: `Incorrect Command Arguments ${line}` };
        try {
          return { value: await this.commander.call(name, ...args.map(String)), error: null };
        } catch (error) {
          return { value: null, error };
        }
      };
    }
  }
}

interface Received {
  key: string;
  message: { key: string; value: string; status: string };
  done(): Promise<Result>;
  fail(reason: string): Promise<Result>;
}

class Consumer {
  readonly events = new EventEmitter();
  /** Errors the client would print with console.error. */
  readonly errors: unknown[] = [];

  constructor(
    private readonly client: Client,
    readonly id: string,
  ) {}

  async init(topics: string[], concurrency: number): Promise<void> {
    const exists = await this.client.command.consumer_exists!(this.id);
    if (exists.value === 'false') {
      const created = await this.client.command.consumer_create!(this.id, topics.join(','), concurrency);
      if (created.error) throw created.error as Error;
    } else {
      await this.client.command.consumer_topics_set!(this.id, topics.join(','));
      await this.client.command.consumer_concurrency_set!(this.id, concurrency);
    }
    await this.subscribe();
  }

  async pull(): Promise<Received | string> {
    const ok = await this.client.command.consumer_concurrency_ok!(this.id);
    if (ok.value !== 'true') return 'Concurrency Limit Reached. ';
    const pulled = await this.client.command.msg_pull!(this.id);
    if (pulled.error) throw pulled.error as Error;
    const message = JSON.parse(pulled.value as string) as Received['message'];
    const received: Received = {
      key: message.key,
      message,
      done: () => this.client.command.msg_complete!(this.id, message.key),
      fail: (reason) => this.client.command.msg_fail!(this.id, message.key, reason),
    };
    this.events.emit('message', received);
    return received;
  }

  private async subscribe(): Promise<void> {
    await this.client.subscriber.subscribe(this.id);
    this.client.subscriber.on('message', (_channel: string, payload: string) => {
      void (async () => {
        const pulls = payload.split(':')[0] === 'pendingCount' ? Number(payload.split(':')[1]) : -1;
        for (let i = 0; i <= Math.max(pulls, 0); i++) {
          if (pulls === 0) break;
          try {
            await this.pull();
          } catch (error) {
            this.errors.push(error);
          }
        }
      })();
    });
  }

  counts(): Promise<Result> {
    return this.client.command.msg_counts!(this.id);
  }

  retry(key?: string): Promise<Result> {
    return key ? this.client.command.msg_retry!(this.id, key) : this.client.command.msg_retryall!(this.id);
  }
}

class Producer {
  constructor(private readonly client: Client) {}

  async pushToConsumer(consumerId: string, message: object): Promise<Result> {
    const exists = await this.client.command.consumer_exists!(consumerId);
    if (exists.value !== 'true') throw new Error('Consumer Id does not exist');
    return this.client.command.msg_push_consumer!(consumerId, JSON.stringify(message));
  }

  pushToTopic(topic: string, message: object): Promise<Result> {
    return this.client.command.msg_push_topic!(topic, JSON.stringify(message));
  }
}

let server: TestServer;
beforeAll(async () => {
  server = await startResp();
});
afterEach(() => closeClients());
afterAll(() => server.destroy());

/** Waits until the consumer's counts are `expected` (the client works asynchronously on announcements). */
async function countsReach(consumer: Consumer, expected: string[]): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (JSON.stringify((await consumer.counts()).value) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(
    `counts never reached ${expected.join(',')}: ${JSON.stringify((await consumer.counts()).value)}`,
  );
}

test("CrimsonQ's Node client flow: producer pushes to a consumer and to topics, the consumer pulls each announced id, completes or fails, retries", async () => {
  const client = new Client(server);
  await client.connect();
  expect(Object.keys(client.command)).toHaveLength(28);
  expect((await client.command.ping!('CrimsonQ')).value).toBe('Pong! CrimsonQ');

  const consumer = new Consumer(client, 'MyConsumer');
  await consumer.init(['MyConsumer/topic1', 'MyConsumer/topic2'], 1);
  expect((await client.command.consumer_topics_get!('MyConsumer')).value).toEqual([
    'MyConsumer/topic1',
    'MyConsumer/topic2',
  ]);
  const seen: string[] = [];
  const failedOnce = new Set<string>();
  consumer.events.on('message', (msg: Received) => {
    void (async () => {
      const data = JSON.parse(msg.message.value) as { messageData: string; fail?: boolean };
      seen.push(data.messageData);
      if (data.fail && !failedOnce.has(msg.key)) {
        failedOnce.add(msg.key);
        await msg.fail('it did not work');
      } else {
        await msg.done();
      }
    })();
  });

  const producer = new Producer(client);
  expect((await producer.pushToConsumer('MyConsumer', { messageData: 'direct' })).value).toBe('Ok');
  await countsReach(consumer, ['active:0', 'completed:1', 'delayed:0', 'failed:0', 'pending:0']);
  expect((await producer.pushToTopic('MyConsumer/topic1', { messageData: 'topic one' })).value).toBe('Ok');
  await countsReach(consumer, ['active:0', 'completed:2', 'delayed:0', 'failed:0', 'pending:0']);
  expect((await producer.pushToTopic('MyConsumer/topic2', { messageData: 'flaky', fail: true })).value).toBe(
    'Ok',
  );
  await countsReach(consumer, ['active:0', 'completed:2', 'delayed:0', 'failed:1', 'pending:0']);
  await expect(producer.pushToConsumer('NoSuchConsumer', {})).rejects.toThrow('Consumer Id does not exist');

  // A retry announces nothing: the next heartbeat's pendingCount makes the client pull (n + 1 times).
  const [failedKey] = failedOnce;
  expect((await consumer.retry(failedKey)).value).toBe('Ok');
  await countsReach(consumer, ['active:0', 'completed:2', 'delayed:0', 'failed:0', 'pending:1']);
  await server.subscriptions.heartbeat();
  await countsReach(consumer, ['active:0', 'completed:3', 'delayed:0', 'failed:0', 'pending:0']);
  expect(seen).toEqual(['direct', 'topic one', 'flaky', 'flaky']);
  // The extra pull found nothing: `null`, which that client fails to read (it logs the error and goes on).
  for (let i = 0; i < 500 && consumer.errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(consumer.errors).toEqual([expect.any(TypeError)]);

  // Retry with a message that is not failed: an error reply (CrimsonQ sent none and the client hung).
  const retried = await consumer.retry(failedKey);
  expect(String(retried.error)).toContain('006:incorrect message id');
  expect((await consumer.retry()).value).toBe('Ok');

  // init on an existing consumer updates its topics and concurrency and subscribes again.
  const again = new Consumer(client, 'MyConsumer');
  await again.init(['MyConsumer/topic3'], 0);
  expect(JSON.parse((await client.command.consumer_info!('MyConsumer')).value as string)).toMatchObject({
    topics: ['MyConsumer/topic3'],
    concurrency: 0,
  });
});

test('at the concurrency limit the client sees "false" and does not pull', async () => {
  const client = new Client(server);
  await client.connect();
  const consumer = new Consumer(client, 'Limited');
  await consumer.init(['limited'], 1);
  await new Producer(client).pushToConsumer('Limited', { n: 1 });
  await countsReach(consumer, ['active:1', 'completed:0', 'delayed:0', 'failed:0', 'pending:0']);
  await new Producer(client).pushToConsumer('Limited', { n: 2 });
  expect(await consumer.pull()).toBe('Concurrency Limit Reached. ');
  await countsReach(consumer, ['active:1', 'completed:0', 'delayed:0', 'failed:0', 'pending:1']);
});
