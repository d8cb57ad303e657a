import type { Response } from 'supertest';
import { api, q } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

/**
 * Bad request bodies for reserve, touch, release and delete: each is refused with 400 (never a 5xx, which clients
 * retry) and changes nothing: no reservation made, extended, released or lost, no message deleted.
 */

let server: TestServer;
let http: ReturnType<typeof api>;
let seq = 0;

beforeAll(async () => {
  // Nothing here is about durability; skipping the fsync per commit keeps this many small tests fast.
  server = await startServer({ env: { FERRITE_DURABILITY: 'off' } });
  http = api(server);
});
afterAll(() => server.destroy());

interface Held {
  queue: string;
  /** A reserved message and its current reservation id. */
  reserved: { id: string; reservation_id: string };
  /** A message nobody holds. */
  free: string;
}

/** A queue with one reserved and one unreserved message; the clock moves on so any write would show. */
async function arrange(): Promise<Held> {
  const queue = `bad-input-${++seq}`;
  const posted = await http
    .post(`/queues/${q(queue)}/messages`)
    .send({ messages: [{ body: 'held' }, { body: 'free' }] });
  expect(posted.status).toBe(201);
  const reserved = await http.post(`/queues/${q(queue)}/reservations`).send({ n: 1 });
  expect(reserved.status).toBe(200);
  const [message] = reserved.body.messages as { id: string; reservation_id: string }[];
  server.clock.advance(1_000);
  return { queue, reserved: message!, free: (posted.body.ids as string[])[1]! };
}

/** Everything a refused request must leave as it was: queue counters and both messages, field for field. */
async function snapshot(held: Held): Promise<unknown> {
  const [queue, reserved, free, peek] = await Promise.all([
    http.get(`/queues/${q(held.queue)}`),
    http.get(`/queues/${q(held.queue)}/messages/${held.reserved.id}`),
    http.get(`/queues/${q(held.queue)}/messages/${held.free}`),
    http.get(`/queues/${q(held.queue)}/messages?n=10`),
  ]);
  return [queue.body, reserved.body, free.body, peek.body];
}

/** Asserts the refusal, that nothing changed, and that the reservation still works. */
async function expectRefusedAndUnchanged(held: Held, before: unknown, res: Response): Promise<void> {
  expect(res.status).toBe(400);
  expectMatchesSpec(res);
  expect(res.body.msg).toEqual(expect.any(String));
  expect(await snapshot(held)).toEqual(before);
  const deleted = await http
    .delete(`/queues/${q(held.queue)}/messages/${held.reserved.id}`)
    .send({ reservation_id: held.reserved.reservation_id });
  expect(deleted.status).toBe(200);
}

const HUGE = 1e21;
const BEYOND_SAFE = '99999999999999999999';

/** Values that are never a whole number in any range. */
const notWholeNumbers: [string, unknown][] = [
  ['negative', -1],
  ['fractional', 1.5],
  ['huge', HUGE],
  ['beyond a safe integer, as a string', BEYOND_SAFE],
  ['a word', 'abc'],
  ['an empty string', ''],
  ['a boolean', true],
  ['an array', [5]],
  ['an empty array', []],
  ['an object', { value: 5 }],
];

const notStrings: [string, unknown][] = [
  ['a number', 123],
  ['a boolean', true],
  ['an array', ['x']],
  ['an object', { id: 'x' }],
];

describe('reserve', () => {
  const cases: [string, object][] = [
    ...notWholeNumbers.map(([what, value]): [string, object] => [`n ${what}`, { n: value }]),
    ['n over 100', { n: 101 }],
    ...notWholeNumbers.map(([what, value]): [string, object] => [`timeout ${what}`, { timeout: value }]),
    ['timeout over 86400', { timeout: 86_401 }],
    ...notWholeNumbers.map(([what, value]): [string, object] => [`wait ${what}`, { wait: value }]),
    ['wait over 30', { wait: 31 }],
    ['delete a string', { delete: 'yes' }],
    ['delete a number', { delete: 1 }],
    ['delete an array', { delete: [true] }],
    ['delete an object', { delete: {} }],
  ];

  test.each(cases)(
    'when the reserve body has %s, it answers 400 and reserves nothing',
    async (_what, body) => {
      const held = await arrange();
      const before = await snapshot(held);

      const res = await http.post(`/queues/${q(held.queue)}/reservations`).send(body);

      await expectRefusedAndUnchanged(held, before, res);
    },
  );
});

describe('touch', () => {
  const cases: [string, (held: Held) => object][] = [
    ['no reservation_id', () => ({})],
    ['a null reservation_id', () => ({ reservation_id: null })],
    ['no reservation_id but a timeout', () => ({ timeout: 30 })],
    ...notStrings.map(([what, value]): [string, (held: Held) => object] => [
      `a reservation_id that is ${what}`,
      () => ({ reservation_id: value }),
    ]),
    ['its reservation_id inside an array', (held) => ({ reservation_id: [held.reserved.reservation_id] })],
    ...notWholeNumbers.map(([what, value]): [string, (held: Held) => object] => [
      `timeout ${what}`,
      (held) => ({ reservation_id: held.reserved.reservation_id, timeout: value }),
    ]),
    ['timeout over 86400', (held) => ({ reservation_id: held.reserved.reservation_id, timeout: 86_401 })],
  ];

  test.each(cases)(
    'when a touch has %s, it answers 400 and the reservation is neither extended nor replaced',
    async (_what, body) => {
      const held = await arrange();
      const before = await snapshot(held);

      const res = await http
        .post(`/queues/${q(held.queue)}/messages/${held.reserved.id}/touch`)
        .send(body(held));

      await expectRefusedAndUnchanged(held, before, res);
    },
  );
});

describe('release', () => {
  const cases: [string, (held: Held) => object][] = [
    ['no reservation_id', () => ({})],
    ['a null reservation_id', () => ({ reservation_id: null })],
    ...notStrings.map(([what, value]): [string, (held: Held) => object] => [
      `a reservation_id that is ${what}`,
      () => ({ reservation_id: value }),
    ]),
    ['its reservation_id inside an array', (held) => ({ reservation_id: [held.reserved.reservation_id] })],
    ...notWholeNumbers.map(([what, value]): [string, (held: Held) => object] => [
      `delay ${what}`,
      (held) => ({ reservation_id: held.reserved.reservation_id, delay: value }),
    ]),
    ['delay over 604800', (held) => ({ reservation_id: held.reserved.reservation_id, delay: 604_801 })],
  ];

  test.each(cases)(
    'when a release has %s, it answers 400 and the message stays reserved',
    async (_what, body) => {
      const held = await arrange();
      const before = await snapshot(held);

      const res = await http
        .post(`/queues/${q(held.queue)}/messages/${held.reserved.id}/release`)
        .send(body(held));

      await expectRefusedAndUnchanged(held, before, res);
    },
  );
});

describe('delete one message', () => {
  const cases: [string, (held: Held) => object][] = [
    ...notStrings.map(([what, value]): [string, (held: Held) => object] => [
      `a reservation_id that is ${what}`,
      () => ({ reservation_id: value }),
    ]),
    ['its reservation_id inside an array', (held) => ({ reservation_id: [held.reserved.reservation_id] })],
    [
      'a subscriber_name that is a number',
      (held) => ({ reservation_id: held.reserved.reservation_id, subscriber_name: 5 }),
    ],
  ];

  test.each(cases)('when a delete has %s, it answers 400 and deletes nothing', async (_what, body) => {
    const held = await arrange();
    const before = await snapshot(held);

    const res = await http.delete(`/queues/${q(held.queue)}/messages/${held.reserved.id}`).send(body(held));

    await expectRefusedAndUnchanged(held, before, res);
  });
});

describe('delete many messages', () => {
  const cases: [string, (held: Held) => object][] = [
    ['ids as a string', (held) => ({ ids: held.free })],
    ['ids as an object', (held) => ({ ids: { id: held.free } })],
    ['ids as a number', () => ({ ids: 5 })],
    ['a null among the ids', (held) => ({ ids: [held.free, null] })],
    ['a bare number among the ids', (held) => ({ ids: [held.free, 5] })],
    ['a fractional id', (held) => ({ ids: [held.free, { id: 1.5 }] })],
    ['an object without an id', (held) => ({ ids: [held.free, {}] })],
    ['an id that is a boolean', (held) => ({ ids: [held.free, { id: true }] })],
    [
      'a reservation_id that is a number',
      (held) => ({ ids: [held.free, { id: held.reserved.id, reservation_id: 5 }] }),
    ],
    ['a nested array', (held) => ({ ids: [[held.free]] })],
    ['101 ids', (held) => ({ ids: [held.free, ...Array<string>(100).fill('999999999')] })],
  ];

  test.each(cases)('when a batch delete has %s, it answers 400 and deletes nothing', async (_what, body) => {
    const held = await arrange();
    const before = await snapshot(held);

    const res = await http.delete(`/queues/${q(held.queue)}/messages`).send(body(held));

    await expectRefusedAndUnchanged(held, before, res);
  });
});

describe('bodies that are not a JSON object', () => {
  const bodies: [string, string | Buffer][] = [
    ['broken JSON', '{"reservation_id": '],
    ['a JSON array', '[]'],
    ['a JSON string', '"x"'],
    ['a JSON number', '5'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ];
  const routes: [string, 'post' | 'delete', (held: Held) => string][] = [
    ['reserve', 'post', (held) => `/queues/${q(held.queue)}/reservations`],
    ['touch', 'post', (held) => `/queues/${q(held.queue)}/messages/${held.reserved.id}/touch`],
    ['release', 'post', (held) => `/queues/${q(held.queue)}/messages/${held.reserved.id}/release`],
    ['delete', 'delete', (held) => `/queues/${q(held.queue)}/messages/${held.reserved.id}`],
    ['clear', 'delete', (held) => `/queues/${q(held.queue)}/messages`],
  ];
  const cases = routes.flatMap(([route, method, path]) =>
    bodies.map(
      ([what, body]): [string, string, 'post' | 'delete', (held: Held) => string, string | Buffer] => [
        route,
        what,
        method,
        path,
        body,
      ],
    ),
  );

  test.each(cases)(
    'when a %s has %s as body, it answers 400 and changes nothing',
    async (_route, _what, method, path, body) => {
      const held = await arrange();
      const before = await snapshot(held);

      // supertest would serialize a Buffer sent as application/json into JSON; the server ignores the type anyway.
      const type = Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json';
      const res = await http[method](path(held)).set('Content-Type', type).send(body);

      await expectRefusedAndUnchanged(held, before, res);
    },
  );
});
