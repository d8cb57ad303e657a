import { connect, type Socket } from 'node:net';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config/config';
import { api } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

/**
 * Resource limits: HTTP timeouts that end slow or stalled clients, a cap on open connections and a cap on
 * parked long polls, all configurable. Over a cap the answer is an immediate 503 with a JSON body and
 * Retry-After: every IronMQ client retries 503 with back-off, where an empty answer would make long-polling
 * consumers spin.
 */

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** ms from the first byte written to the server's close. */
  elapsed: number;
}

/** Writes `chunks` (each after `gapMs`), then reads until the server closes; fails after `limitMs`. */
function slowExchange(port: number, chunks: string[], gapMs: number, limitMs = 6000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const started = performance.now();
    const data: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a slow client for more than ${limitMs} ms`));
    }, limitMs);
    socket.on('data', (chunk: Buffer) => data.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(data).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body,
        elapsed: performance.now() - started,
      });
    });
    let i = 0;
    const writeNext = () => {
      if (socket.destroyed || i >= chunks.length) return;
      socket.write(chunks[i++]!);
      setTimeout(writeNext, gapMs);
    };
    socket.on('connect', writeNext);
  });
}

describe('settings', () => {
  test('the limits have documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 30_000,
      maxConnections: 1000,
      maxLongPolls: 800,
    });
  });

  test.each([
    ['FERRITE_HEADERS_TIMEOUT_MS', '10'],
    ['FERRITE_REQUEST_TIMEOUT_MS', 'soon'],
    ['FERRITE_KEEP_ALIVE_TIMEOUT_MS', '-1'],
    ['FERRITE_MAX_CONNECTIONS', '0'],
    ['FERRITE_MAX_LONG_POLLS', '1.5'],
  ])('a bad %s (%s) stops the start with a message naming it', (env, value) => {
    expect(() => loadConfig({ [env]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [env]: value })).toThrow(env);
  });

  test('a header timeout longer than the request timeout is refused', () => {
    const env = { FERRITE_HEADERS_TIMEOUT_MS: '5000', FERRITE_REQUEST_TIMEOUT_MS: '4000' };
    expect(() => loadConfig(env)).toThrow(/FERRITE_HEADERS_TIMEOUT_MS.*FERRITE_REQUEST_TIMEOUT_MS/);
  });
});

describe('HTTP timeouts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      env: {
        FERRITE_HEADERS_TIMEOUT_MS: '1000',
        FERRITE_REQUEST_TIMEOUT_MS: '1000',
        FERRITE_KEEP_ALIVE_TIMEOUT_MS: '300',
      },
    });
  });
  afterAll(() => server.destroy());

  test('when a client sends its headers a byte at a time and never finishes, it gets 408 JSON and is disconnected', async () => {
    const line = `GET /3/projects/${server.projectId}/queues HTTP/1.1\r\nHost: x\r\nX-Slow: `;
    const chunks = [line, ...'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'.split('')];

    const answer = await slowExchange(server.port, chunks, 100);

    expect(answer.status).toBe(408);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ msg: 'Request was not received in time' });
    expect(answer.elapsed).toBeGreaterThanOrEqual(900);
    expect(answer.elapsed).toBeLessThan(3000);
  });

  test('when a client stops half-way through its body, it gets 408 JSON and nothing is posted', async () => {
    const head =
      `POST /3/projects/${server.projectId}/queues/slow/messages HTTP/1.1\r\nHost: x\r\n` +
      `Authorization: OAuth ${server.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;

    const answer = await slowExchange(server.port, [head, '{"messages":[', '{"body":'], 200);

    expect(answer.status).toBe(408);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.elapsed).toBeLessThan(3000);
    expect((await api(server).get('/queues/slow')).status).toBe(404);
  });

  test('an idle keep-alive connection is closed after FERRITE_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const answer = await slowExchange(server.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'], 0);

    expect(answer.status).toBe(200);
    expect(answer.elapsed).toBeGreaterThanOrEqual(250);
    expect(answer.elapsed).toBeLessThan(2500);
  });

  test('a long poll is an answer, not a request: it outlives the request timeout', async () => {
    const http = api(server);
    await http.put('/queues/patient').send({});
    const started = performance.now();

    const res = await http.post('/queues/patient/reservations').send({ n: 1, wait: 2 });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messages: [] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
  });
});

describe('a cap on open connections', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { FERRITE_MAX_CONNECTIONS: '3' } });
  });
  afterAll(() => server.destroy());

  /** A keep-alive connection that has been served once and stays open. */
  async function openConnection(): Promise<Socket> {
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('error', reject);
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    return socket;
  }

  test('a connection over FERRITE_MAX_CONNECTIONS gets 503 JSON with Retry-After and is closed; one under it is served', async () => {
    const open = await Promise.all([openConnection(), openConnection(), openConnection()]);

    const refused = await slowExchange(server.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'], 0);

    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toBe('application/json');
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toEqual({ msg: 'Too many connections; retry later' });

    open[0]?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const served = await slowExchange(
      server.port,
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      0,
    );
    expect(served.status).toBe(200);
    for (const socket of open) socket.destroy();
  });
});

describe('a cap on parked long polls', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { FERRITE_MAX_LONG_POLLS: '2' } });
    await api(server).put('/queues/polled').send({});
  });
  afterAll(() => server.destroy());

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(condition()).toBe(true);
  }

  test('one more long poll than FERRITE_MAX_LONG_POLLS gets an immediate 503 JSON; reserves that need not wait are served', async () => {
    const http = api(server);
    const parked = [1, 2].map(() =>
      Promise.resolve(http.post('/queues/polled/reservations').send({ n: 1, wait: 10 })),
    );
    await until(() => server.engine.wakeups.parked === 2);
    const started = performance.now();

    const refused = await http.post('/queues/polled/reservations').send({ n: 1, wait: 10 });
    const immediate = await http.post('/queues/polled/reservations').send({ n: 1 });

    expect(performance.now() - started).toBeLessThan(1000);
    expectMatchesSpec(refused);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toEqual({ msg: 'Too many long polls are waiting; retry later' });
    expect(immediate.status).toBe(200);
    expect(immediate.body).toEqual({ messages: [] });

    await http.post('/queues/polled/messages').send({ messages: [{ body: 'a' }, { body: 'b' }] });
    const answers = await Promise.all(parked);
    expect(answers.map((res) => res.body.messages.length)).toEqual([1, 1]);
    expect(server.engine.wakeups.parked).toBe(0);
  });

  test('a long poll whose client hangs up frees its place at once', async () => {
    const req = request(server.url)
      .post(`/3/projects/${server.projectId}/queues/polled/reservations`)
      .set('Authorization', `OAuth ${server.token}`)
      .send({ wait: 10 });
    const pending = req.then(
      () => 'answered',
      () => 'aborted',
    );
    await until(() => server.engine.wakeups.parked === 1);

    req.abort();

    expect(await pending).toBe('aborted');
    await until(() => server.engine.wakeups.parked === 0);
  });
});
