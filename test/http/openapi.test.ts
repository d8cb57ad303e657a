import type { Response } from 'supertest';
import * as engineErrors from '../../src/domain/errors';
import { FerriteError, type ErrorCode } from '../../src/domain/errors';
import { statusOf } from '../../src/http/errors';
import { api } from '../helpers/http';
import {
  deref,
  expectMatchesSpec,
  listOperations,
  openApiDocument,
  resolvePointer,
  type ResponseObject,
} from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

/**
 * Every error code, checked by the compiler: adding a code to ErrorCode without listing it here fails
 * typecheck, so the spec comparison below cannot silently skip it.
 */
const ALL_CODES = {
  invalid_input: true,
  unauthorized: true,
  queue_not_found: true,
  message_not_found: true,
  not_found: true,
  wrong_state: true,
  consumer_exists: true,
  concurrency_exceeded: true,
  reservation_mismatch: true,
  message_reserved: true,
  route_not_found: true,
  method_not_allowed: true,
  payload_too_large: true,
  unsupported_operation: true,
  store_unavailable: true,
  server_busy: true,
  sqs_refused: true,
} as const satisfies Record<ErrorCode, true>;
const CODES = Object.keys(ALL_CODES) as ErrorCode[];

/** Statuses from outside the error catalog: body reading (see src/http/errors.ts) and unknown errors. */
const BODY_READING_STATUSES = [400, 413, 415];
const UNKNOWN_ERROR_STATUS = 500;

/** GET /healthz is answered before body reading, auth and routing: it has no 4xx to document. */
const NO_CLIENT_ERRORS = new Set([
  'getHealth',
  'getReadiness',
  'getMetrics',
  'getOpenApiDocument',
  'getDocs',
]);

const documentedStatuses = (): Set<number> =>
  new Set(listOperations().flatMap(({ operation }) => Object.keys(operation.responses).map(Number)));

describe('openapi.yaml', () => {
  test('parses as OpenAPI 3.1 with paths and components', () => {
    const doc = openApiDocument();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(doc.components?.schemas).toBeDefined();
  });

  test('every operation has a unique operationId, a summary and at least one 4xx response', () => {
    const ids = new Set<string>();
    for (const { template, method, operation } of listOperations()) {
      const where = `${method.toUpperCase()} ${template}`;
      expect([where, typeof operation.operationId]).toEqual([where, 'string']);
      expect([where, ids.has(operation.operationId!)]).toEqual([where, false]);
      ids.add(operation.operationId!);
      expect([where, operation.summary?.length ?? 0]).not.toEqual([where, 0]);
      const clientErrors = Object.keys(operation.responses).filter((s) => /^4\d\d$/.test(s));
      const expected = NO_CLIENT_ERRORS.has(operation.operationId!) ? 0 : 1;
      expect([where, Math.min(clientErrors.length, 1)]).toEqual([where, expected]);
    }
  });

  test('every $ref in the document resolves', () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(openApiDocument());
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((ref) => resolvePointer(ref) === undefined)).toEqual([]);
  });

  test('every error response has the {"msg": …} body (the CrimsonQ API: a text/plain body; the SQS API: its own)', () => {
    for (const { template, method, operation } of listOperations()) {
      for (const [status, documented] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const { value } = deref<ResponseObject>(documented, '');
        // CrimsonQ's clients get CrimsonQ's error shape: the code string as text (src/http/crimsonq).
        if ((operation as { tags?: string[] }).tags?.includes('crimsonq')) {
          expect([`${method} ${template} ${status}`, Object.keys(value.content ?? {})]).toEqual([
            `${method} ${template} ${status}`,
            ['text/plain; charset=utf-8'],
          ]);
          continue;
        }
        // SQS clients get SQS's error shapes: JSON (__type, message) or XML, per protocol (src/http/sqs).
        if ((operation as { tags?: string[] }).tags?.includes('sqs')) {
          expect([
            `${method} ${template} ${status}`,
            value.content?.['application/x-amz-json-1.0']?.schema,
          ]).toEqual([`${method} ${template} ${status}`, { $ref: '#/components/schemas/SqsJsonError' }]);
          continue;
        }
        const schema = value.content?.['application/json']?.schema;
        expect([`${method} ${template} ${status}`, schema]).toEqual([
          `${method} ${template} ${status}`,
          { $ref: '#/components/schemas/Error' },
        ]);
      }
    }
  });
});

describe('the error catalog and openapi.yaml agree', () => {
  test('the compile-time list of codes is exactly the codes of the error classes', () => {
    // Every concrete error class; a dummy argument is enough to read its code.
    type ErrorClass = new (arg: string) => FerriteError;
    const fromClasses = (Object.values(engineErrors) as unknown[])
      .filter(
        (value): value is ErrorClass =>
          typeof value === 'function' && (value as ErrorClass).prototype instanceof FerriteError,
      )
      .map((Concrete) => new Concrete('x').code);
    expect(new Set(fromClasses)).toEqual(new Set(CODES));
  });

  test.each(CODES)('the status of %s is documented on at least one operation', (code) => {
    expect(documentedStatuses()).toContain(statusOf(code));
  });

  test('every documented 4xx/5xx status is one the server can produce', () => {
    const producible = new Set([...CODES.map(statusOf), ...BODY_READING_STATUSES, UNKNOWN_ERROR_STATUS]);
    const errorStatuses = [...documentedStatuses()].filter((status) => status >= 400);
    expect(errorStatuses.filter((status) => !producible.has(status))).toEqual([]);
  });
});

describe('real responses match openapi.yaml', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.destroy());

  /** Checks the response against the spec and hands it back, so a test reads as one story. */
  const checked = (res: Response): Response => {
    expectMatchesSpec(res);
    return res;
  };

  test('a message is posted, reserved, touched, released, reserved again and deleted', async () => {
    const http = api(server);
    const posted = checked(
      await http.post('/queues/spec%20queue/messages').send({
        messages: [
          { body: 'hello', push_headers: { 'X-Trace': 'a' } },
          { body: '', delay: 0 },
        ],
      }),
    );
    expect(posted.status).toBe(201);
    const [id] = posted.body.ids as string[];

    const reserved = checked(
      await http.post('/queues/spec%20queue/reservations').send({ n: 1, timeout: 30 }),
    );
    expect(reserved.status).toBe(200);
    expect(reserved.body.messages[0].id).toBe(id);

    const touched = checked(
      await http
        .post(`/queues/spec%20queue/messages/${id}/touch`)
        .send({ reservation_id: reserved.body.messages[0].reservation_id, timeout: 60 }),
    );
    expect(touched.status).toBe(200);

    const got = checked(await http.get(`/queues/spec%20queue/messages/${id}`));
    expect(got.body.message.reservation_id).toBe(touched.body.reservation_id);

    const released = checked(
      await http
        .post(`/queues/spec%20queue/messages/${id}/release`)
        .send({ reservation_id: touched.body.reservation_id }),
    );
    expect(released.status).toBe(200);

    const peeked = checked(await http.get('/queues/spec%20queue/messages?n=5'));
    expect(peeked.body.messages).toHaveLength(2);

    const again = checked(await http.post('/queues/spec%20queue/reservations').send({}));
    const deleted = checked(
      await http
        .delete(`/queues/spec%20queue/messages/${id}`)
        .send({ reservation_id: again.body.messages[0].reservation_id }),
    );
    expect(deleted.body).toEqual({ msg: 'Deleted' });
  });

  test('queues are created, read, listed, updated the Java way, cleared and deleted', async () => {
    const http = api(server);
    expect(checked(await http.put('/queues/spec-q').send({ queue: { message_timeout: 45 } })).status).toBe(
      200,
    );
    const queue = checked(await http.get('/queues/spec-q'));
    expect(queue.body.queue.message_timeout).toBe(45);
    const list = checked(await http.get('/queues?per_page=101'));
    expect(list.body.queues.map((q: { name: string }) => q.name)).toContain('spec-q');
    const patched = checked(
      await http
        .post('/queues/spec-q')
        .set('X-HTTP-Method-Override', 'PATCH')
        .send({ queue: { dead_letter: { queue_name: 'spec-dlq' } } }),
    );
    expect(patched.body.queue.dead_letter).toEqual({ queue_name: 'spec-dlq', max_reservations: 10 });
    expect(checked(await http.delete('/queues/spec-q/messages').send({})).body).toEqual({ msg: 'Cleared' });
    expect(checked(await http.delete('/queues/spec-q')).body).toEqual({ msg: 'Deleted' });
  });

  test('errors match too: 400, 401, 403, 404 and 405', async () => {
    const http = api(server);
    expect(checked(await http.get('/queues/no-such-queue')).status).toBe(404);
    expect(checked(await http.post('/queues/spec-q/reservations').send({ n: 1000 })).status).toBe(400);
    const noToken = await http.raw.get(`/3/projects/${server.projectId}/queues`);
    expect(checked(noToken).status).toBe(401);
    expect(checked(await http.put('/queues/spec-q/reservations')).status).toBe(405);

    const posted = await http.post('/queues/spec-held/messages').send({ messages: [{ body: 'x' }] });
    await http.post('/queues/spec-held/reservations').send({});
    const held = checked(await http.delete(`/queues/spec-held/messages/${posted.body.ids[0]}`).send({}));
    expect(held.status).toBe(403);
  });
});

describe('expectMatchesSpec fails when it should', () => {
  const fabricated = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
    ({
      status,
      headers: { 'content-type': 'application/json', 'x-request-id': 'fabricated', ...headers },
      text: JSON.stringify(body),
      body,
      req: {
        method: 'POST',
        path: '/3/projects/5e1f0c0ffee0ddba11ca7e01/queues/q/reservations',
        getHeader: () => undefined,
      },
    }) as unknown as Response;

  const message = {
    id: '1',
    body: 'x',
    reserved_count: 1,
    delay: 0,
    reservation_id: '0123456789abcdef0123456789abcdef',
    reserved_until: '2026-01-01T00:01:00.000Z',
    timeout: 60,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };

  test('a well-formed fabricated response passes', () => {
    expect(() => expectMatchesSpec(fabricated(200, { messages: [message] }))).not.toThrow();
  });

  test('a numeric message id is refused, naming the operation, status and field', () => {
    expect(() => expectMatchesSpec(fabricated(200, { messages: [{ ...message, id: 1 }] }))).toThrow(
      /reserveMessages[\s\S]*status: 200[\s\S]*\/messages\/0\/id must be string/,
    );
  });

  test('an undocumented status, a charset in Content-Type and a missing header are refused', () => {
    expect(() => expectMatchesSpec(fabricated(202, { messages: [] }))).toThrow(/202 is not documented/);
    expect(() =>
      expectMatchesSpec(
        fabricated(200, { messages: [] }, { 'content-type': 'application/json; charset=utf-8' }),
      ),
    ).toThrow(/exactly application\/json/);
    expect(() => expectMatchesSpec(fabricated(503, { msg: 'busy' }))).toThrow(/Retry-After is missing/);
  });
});
