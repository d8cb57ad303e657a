import type Database from 'better-sqlite3';
import { createProject } from '../../src/engine/projects';
import { startServer, type TestServer } from '../helpers/server';
import { PROFILE, report } from './profile';

/**
 * Isolation of the CrimsonQ API (/api/*): an IronMQ token (`Authorization: OAuth …` or `?oauth=`) reaches only
 * its own project's consumers. A consumer created in project A is neither visible nor changeable with project
 * B's token, and is left as it was; a JWT from POST /login works only in the CrimsonQ project.
 */

const USER = 'admin';
const PASS = 'password';
const TEXT = 'text/plain; charset=utf-8';
const CONSUMER = 'owned-consumer';

let server: TestServer;
let aToken: string;
let bToken: string;
let bProjectId: string;
let requests = 0;

type Placement = 'header' | 'query';

interface Answer {
  status: number;
  type: string | null;
  text: string;
}

async function api(
  method: 'GET' | 'POST',
  path: string,
  auth: { token: string; placement: Placement | 'bearer' },
  body?: Record<string, unknown>,
): Promise<Answer> {
  requests++;
  const headers: Record<string, string> = {};
  let target = `${server.url}${path}`;
  if (auth.placement === 'header') headers.Authorization = `OAuth ${auth.token}`;
  if (auth.placement === 'bearer') headers.Authorization = `Bearer ${auth.token}`;
  if (auth.placement === 'query') target += `?oauth=${encodeURIComponent(auth.token)}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(target, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
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

function expectRefused(answer: Answer, what: string): void {
  expect({ what, refused: answer.status >= 400 && answer.status < 500, type: answer.type }).toEqual({
    what,
    refused: true,
    type: TEXT,
  });
  expect(answer.text).not.toBe('');
}

async function countsOf(token: string, placement: Placement | 'bearer' = 'header'): Promise<unknown> {
  const answer = await api('GET', `/api/msg/counts/${CONSUMER}`, { token, placement });
  expect(answer.status).toBe(200);
  return JSON.parse(answer.text);
}

beforeAll(async () => {
  server = await startServer({
    env: { FERRITE_DURABILITY: 'off', CRIMSONQ_HTTP_USER: USER, CRIMSONQ_HTTP_PASS: PASS },
  });
  const other = await createProject(server.engine);
  aToken = server.token;
  bToken = other.token;
  bProjectId = other.project.id;
  const auth = { token: aToken, placement: 'header' as const };
  const created = await api('POST', '/api/consumer/create', auth, {
    consumerId: CONSUMER,
    topics: 'orders/#',
    concurrency: 3,
  });
  expect(created).toMatchObject({ status: 200, text: `"Created:${CONSUMER}"` });
  for (const messageString of ['one', 'two', 'three']) {
    const pushed = await api('POST', '/api/msg/push/consumer', auth, { consumerId: CONSUMER, messageString });
    expect(pushed.status).toBe(200);
  }
  const pulled = await api('GET', `/api/msg/pull/${CONSUMER}`, auth);
  expect(pulled.status).toBe(200);
}, PROFILE.jestTimeoutMs);
afterAll(() => server.destroy());

describe.each<Placement>(['header', 'query'])("project B's token sent in the %s", (placement) => {
  test("sees nothing of A's consumer and changes nothing of it", async () => {
    const b = { token: bToken, placement };
    const countsBefore = await countsOf(aToken);
    expect(countsBefore).toEqual({ active: 1, completed: 0, delayed: 0, failed: 0, pending: 2 });
    const before = projectFingerprint(server.dataFile(), server.projectId);
    const beforeB = projectFingerprint(server.dataFile(), bProjectId);
    server.clock.advance(1000);

    const info = await api('GET', `/api/consumer/info/${CONSUMER}`, b);
    if (info.status === 200) expect(info.text).toBe('null');
    else expectRefused(info, 'consumer/info');

    const counts = await api('GET', `/api/msg/counts/${CONSUMER}`, b);
    expect([counts.status, counts.type, counts.text]).toEqual([400, TEXT, '001:incorrect_consumer_id']);

    const exists = await api('GET', `/api/consumer/exists/${CONSUMER}`, b);
    expect(exists.text).not.toContain('true');

    const list = await api('GET', '/api/consumer/list', b);
    expect(list.text).not.toContain(CONSUMER);

    expectRefused(
      await api('POST', '/api/msg/push/consumer', b, { consumerId: CONSUMER, messageString: 'intruder' }),
      'msg/push/consumer',
    );
    expectRefused(await api('GET', `/api/msg/pull/${CONSUMER}`, b), 'msg/pull');
    expectRefused(
      await api('POST', '/api/consumer/destroy', b, { consumerId: CONSUMER }),
      'consumer/destroy',
    );
    expectRefused(
      await api('POST', '/api/consumer/concurrency/set', b, { consumerId: CONSUMER, concurrency: 9 }),
      'consumer/concurrency/set',
    );
    expectRefused(
      await api('POST', '/api/consumer/flush/complete', b, { consumerId: CONSUMER }),
      'consumer/flush/complete',
    );
    expectRefused(await api('POST', '/api/msg/retryall', b, { consumerId: CONSUMER }), 'msg/retryall');

    // A topic push from B matches no consumer of A.
    const topic = await api('POST', '/api/msg/push/topic', b, {
      topicString: 'orders/eu/1',
      messageString: 'intruder',
    });
    expect(topic.status).toBeLessThan(500);

    expect(projectFingerprint(server.dataFile(), server.projectId)).toEqual(before);
    expect(projectFingerprint(server.dataFile(), bProjectId)).toEqual(beforeB);
    expect(await countsOf(aToken)).toEqual(countsBefore);
    expect(await countsOf(aToken, 'query')).toEqual(countsBefore);
  });
});

test('a JWT from POST /login works only in the CrimsonQ project', async () => {
  const login = await fetch(`${server.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Username: USER, Password: PASS }),
  });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  const jwt = { token, placement: 'bearer' as const };

  // The CrimsonQ project is the first one, A: the JWT sees A's consumer.
  expect(await countsOf(token, 'bearer')).toEqual(await countsOf(aToken));
  const list = await api('GET', '/api/consumer/list', jwt);
  expect(list.text).toContain(CONSUMER);

  // B's consumer is invisible to the JWT, and A's to B.
  const bAuth = { token: bToken, placement: 'header' as const };
  const created = await api('POST', '/api/consumer/create', bAuth, { consumerId: 'b-only', topics: 'x' });
  expect(created.status).toBe(200);
  const bCounts = await api('GET', '/api/msg/counts/b-only', jwt);
  expect([bCounts.status, bCounts.text]).toEqual([400, '001:incorrect_consumer_id']);

  // A JWT is not an IronMQ token of any project, and not one of B's in particular.
  const before = projectFingerprint(server.dataFile(), bProjectId);
  for (const projectId of [bProjectId, server.projectId]) {
    for (const auth of [`OAuth ${token}`, `Bearer ${token}`]) {
      requests++;
      const res = await fetch(`${server.url}/3/projects/${projectId}/queues`, {
        headers: { Authorization: auth },
      });
      expect({ projectId, auth: auth.split(' ')[0], status: res.status }).toEqual({
        projectId,
        auth: auth.split(' ')[0],
        status: 401,
      });
    }
    requests++;
    const query = await fetch(`${server.url}/3/projects/${projectId}/queues?oauth=${token}`);
    expect(query.status).toBe(401);
  }
  // Nor does it work as an IronMQ token on /api.
  const asOauth = await api('GET', `/api/msg/counts/${CONSUMER}`, { token, placement: 'header' });
  expectRefused(asOauth, 'JWT as OAuth on /api');
  expect(projectFingerprint(server.dataFile(), bProjectId)).toEqual(before);

  // A tampered JWT is refused.
  const tampered = await api('GET', '/api/consumer/list', {
    token: `${token.slice(0, -2)}xx`,
    placement: 'bearer',
  });
  expect([tampered.status, tampered.type, tampered.text]).toEqual([401, TEXT, 'Invalid or expired JWT']);
  report('crimsonq-isolation', { requests });
});
