import * as crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { authorize, createProject, createToken, type CreatedProject } from '../../src/engine/projects';
import { startServer, type TestServer } from '../helpers/server';
import { OPERATIONS, pathOf, type Operation, type OperationContext } from './operations';
import { PROFILE, report } from './profile';
import { exchange, type RawExchange } from './raw-http';

/**
 * Isolation suite: with two projects and their tokens, every project route of openapi.yaml, called with the
 * other project's token — in the header, as ?oauth= and in the JSON body — is refused and changes nothing;
 * ids of one project mean nothing in the other; a revoked token stops working at once; tokens are looked up by
 * hash and project ids compared in constant time.
 */

// timingSafeEqual cannot be spied on in place (node:crypto's exports are not configurable): wrap it, unchanged.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

const QUEUE = 'owned';
// The SQS API names its project in its credentials, not a token: test/reliability/sqs-isolation.test.ts.
const PROJECT_ROUTES = OPERATIONS.filter((operation) => operation.projectScoped && operation.tag !== 'sqs');

let server: TestServer;
let a: Tenant;
let b: Tenant;
let calls = 0;

interface Tenant {
  projectId: string;
  token: string;
  messageId: string;
  reservationId: string;
}

/** Everything of one project, including times, so that any write shows. */
function projectFingerprint(db: Database.Database, projectId: string): string {
  const queues = db.prepare('SELECT * FROM queues WHERE project_id = ? ORDER BY id').all(projectId);
  const messages = db
    .prepare(
      `SELECT m.* FROM messages m JOIN queues q ON q.id = m.queue_id WHERE q.project_id = ? ORDER BY m.id`,
    )
    .all(projectId);
  return JSON.stringify({ queues, messages });
}

async function setUp(projectId: string, token: string): Promise<Tenant> {
  const base = `${server.url}/3/projects/${projectId}/queues/${QUEUE}`;
  const headers = { Authorization: `OAuth ${token}`, 'Content-Type': 'application/json' };
  await fetch(base, { method: 'PUT', headers, body: JSON.stringify({ queue: { message_timeout: 120 } }) });
  const posted = await fetch(`${base}/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ messages: [{ body: `${projectId} held` }, { body: `${projectId} free` }] }),
  });
  expect(posted.status).toBe(201);
  const reserved = await fetch(`${base}/reservations`, {
    method: 'POST',
    headers,
    body: '{"n":1,"timeout":3600}',
  });
  const [message] = ((await reserved.json()) as { messages: { id: string; reservation_id: string }[] })
    .messages;
  return { projectId, token, messageId: message!.id, reservationId: message!.reservation_id };
}

type Placement = 'header' | 'query' | 'body';

/** `operation` on `target`'s objects, authenticated with `token` placed as told. */
function call(
  operation: Operation,
  target: OperationContext,
  token: string,
  placement: Placement,
): Promise<RawExchange> {
  calls++;
  let path = pathOf(operation, target);
  const headers: [string, string][] = [['Content-Type', 'application/json']];
  const body: Record<string, unknown> = { ...operation.validBody(target) };
  if (placement === 'header') headers.push(['Authorization', `OAuth ${token}`]);
  if (placement === 'query') path += `?oauth=${encodeURIComponent(token)}`;
  if (placement === 'body') body.oauth = token;
  return exchange(server.port, {
    method: operation.method,
    target: path,
    headers,
    body: Buffer.from(JSON.stringify(body)),
    framing: 'length',
  });
}

function contextOf(tenant: Tenant): OperationContext {
  return {
    projectId: tenant.projectId,
    queue: QUEUE,
    messageId: tenant.messageId,
    reservationId: tenant.reservationId,
  };
}

function expectUnauthorized(answer: RawExchange, what: string): void {
  const [response] = answer.responses;
  expect({ what, status: response?.status, type: response?.headers['content-type'] }).toEqual({
    what,
    status: 401,
    type: 'application/json',
  });
  expect(JSON.parse(response!.body.toString('utf8'))).toEqual({ msg: 'Invalid project/token combination' });
}

beforeAll(async () => {
  server = await startServer({ env: { FERRITE_DURABILITY: 'off' } });
  const other: CreatedProject = await createProject(server.engine);
  a = await setUp(server.projectId, server.token);
  b = await setUp(other.project.id, other.token);
});
afterAll(() => server.destroy());

const PLACEMENTS: Placement[] = ['header', 'query', 'body'];

test('the route table covers every project route of openapi.yaml', () => {
  expect(PROJECT_ROUTES.length).toBeGreaterThanOrEqual(16);
});

describe.each(PLACEMENTS)("another project's token sent in the %s", (placement) => {
  test.each(PROJECT_ROUTES.map((operation) => [operation.id, operation] as const))(
    '%s is refused with 401 in both directions and changes nothing',
    async (_id, operation) => {
      const before = [
        projectFingerprint(server.dataFile(), a.projectId),
        projectFingerprint(server.dataFile(), b.projectId),
      ];
      server.clock.advance(1000);

      expectUnauthorized(await call(operation, contextOf(a), b.token, placement), `B on A: ${operation.id}`);
      expectUnauthorized(await call(operation, contextOf(b), a.token, placement), `A on B: ${operation.id}`);

      const after = [
        projectFingerprint(server.dataFile(), a.projectId),
        projectFingerprint(server.dataFile(), b.projectId),
      ];
      expect(after).toEqual(before);
    },
  );
});

test("a project's own token, used with the other project's message and reservation ids, reaches nothing of it", async () => {
  const before = projectFingerprint(server.dataFile(), a.projectId);
  server.clock.advance(1000);
  const statuses: string[] = [];
  const messageRoutes = PROJECT_ROUTES.filter(
    (op) => op.template.includes('{message_id}') || op.id === 'deleteMessages',
  );

  // B's own path and queue name, but A's message id and reservation id.
  const crossed: OperationContext = {
    ...contextOf(b),
    messageId: a.messageId,
    reservationId: a.reservationId,
  };
  for (const operation of PROJECT_ROUTES.filter(
    (op) => op.template.includes('{message_id}') || op.id === 'deleteMessages',
  )) {
    const answer = await call(operation, crossed, b.token, 'header');
    const status = answer.responses[0]?.status;
    statuses.push(`${operation.id}:${status}`);
    expect({ operation: operation.id, refused: status === 404 || status === 403 }).toEqual({
      operation: operation.id,
      refused: true,
    });
  }

  expect(projectFingerprint(server.dataFile(), a.projectId)).toEqual(before);
  expect(statuses).toHaveLength(messageRoutes.length);
  expect(messageRoutes.length).toBeGreaterThanOrEqual(7);
});

test('a revoked token is refused at once on every route, in every placement, and changes nothing', async () => {
  const { token, tokenId } = await createToken(server.engine, a.projectId, 'to-revoke');
  const probe = PROJECT_ROUTES.find((op) => op.id === 'getQueue')!;
  expect((await call(probe, contextOf(a), token, 'header')).responses[0]?.status).toBe(200);

  await server.store.revokeToken(tokenId, server.clock.now());

  const before = projectFingerprint(server.dataFile(), a.projectId);
  server.clock.advance(1000);
  for (const operation of PROJECT_ROUTES) {
    for (const placement of PLACEMENTS) {
      expectUnauthorized(
        await call(operation, contextOf(a), token, placement),
        `revoked: ${operation.id} ${placement}`,
      );
    }
  }
  expect(projectFingerprint(server.dataFile(), a.projectId)).toEqual(before);
  // The project's other token still works.
  expect((await call(probe, contextOf(a), a.token, 'header')).responses[0]?.status).toBe(200);
  report('isolation', { routes: PROJECT_ROUTES.length, placements: PLACEMENTS.length, requests: calls });
});

test(
  'a token is looked up only by its sha256 and the project id is compared with timingSafeEqual',
  async () => {
    const lookups: string[] = [];
    const store = {
      projectOfTokenHash: (hash: string) => {
        lookups.push(hash);
        return Promise.resolve(a.projectId);
      },
    } as unknown as Parameters<typeof authorize>[0]['store'];
    const compare = crypto.timingSafeEqual as jest.MockedFunction<typeof crypto.timingSafeEqual>;
    compare.mockClear();

    await authorize({ store }, a.projectId, b.token);
    await expect(authorize({ store }, b.projectId, b.token)).rejects.toThrow(
      'Invalid project/token combination',
    );

    expect(lookups).toEqual([
      crypto.createHash('sha256').update(b.token).digest('hex'),
      crypto.createHash('sha256').update(b.token).digest('hex'),
    ]);
    expect(lookups.some((hash) => hash.includes(b.token))).toBe(false);
    expect(compare).toHaveBeenCalledTimes(2);
  },
  PROFILE.jestTimeoutMs,
);
