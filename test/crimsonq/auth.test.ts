import { decode, sign } from 'jsonwebtoken';
import request from 'supertest';
import { loadConfig } from '../../src/config/config';
import { Subscriptions } from '../../src/engine/subscriptions';
import { createProject } from '../../src/engine/projects';
import { resolveCrimsonq } from '../../src/http/crimsonq/settings';
import type { Logger } from '../../src/log';
import { PROJECT_ID, TOKEN, startServer, tempDir, type TestServer } from '../helpers/server';
import { CQ_PASS, CQ_USER, JSON_TYPE, JWT_SECRET, TEXT, cq, login, startCq, wire } from './cq';

const HOURS_72 = 72 * 3600;

describe('POST /login', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startCq();
  });
  afterAll(() => server.destroy());

  const nowSeconds = () => Math.floor(server.clock.now() / 1000);

  test('JSON credentials give an HS256 token with name, admin, exp (72 h) and project_id', async () => {
    const res = await request(server.url).post('/login').send({ Username: CQ_USER, Password: CQ_PASS });
    expect([res.status, res.headers['content-type']]).toEqual([200, JSON_TYPE]);
    expect(Object.keys(res.body as object)).toEqual(['token']);
    const token = (res.body as { token: string }).token;
    const decoded = decode(token, { complete: true })!;
    expect(decoded.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decoded.payload).toEqual({
      name: CQ_USER,
      admin: true,
      exp: nowSeconds() + HOURS_72,
      project_id: PROJECT_ID,
    });
  });

  test('field names in any case', async () => {
    const res = await request(server.url).post('/login').send({ username: CQ_USER, PASSWORD: CQ_PASS });
    expect(res.status).toBe(200);
  });

  test('a urlencoded form', async () => {
    const res = await request(server.url)
      .post('/login')
      .type('form')
      .send({ Username: CQ_USER, Password: CQ_PASS });
    expect(res.status).toBe(200);
  });

  test('multipart at /login/ with the dashboard\'s stale "Bearer null" header, which is ignored', async () => {
    const res = await request(server.url)
      .post('/login/')
      .set('Authorization', 'Bearer null')
      .field('Username', CQ_USER)
      .field('Password', CQ_PASS);
    expect(res.status).toBe(200);
    const api = cq(server, (res.body as { token: string }).token);
    expect(wire(await api.get('/api/consumer/list/'))).toEqual([200, JSON_TYPE, 'null']);
  });

  test.each([
    ['a wrong password', { Username: CQ_USER, Password: 'nope' }],
    ['a wrong user', { Username: 'root', Password: CQ_PASS }],
    ['empty credentials', { Username: '', Password: '' }],
  ])('%s: 401 Unauthorized', async (_name, body) => {
    const res = await request(server.url).post('/login').send(body);
    expect(wire(res)).toEqual([401, TEXT, 'Unauthorized']);
  });

  test('an unparseable body: 400 008', async () => {
    const broken = await request(server.url).post('/login').type('json').send('{"Username":');
    expect(wire(broken)).toEqual([400, TEXT, '008: incorrect_args']);
    const xml = await request(server.url).post('/login').type('xml').send('<a/>');
    expect(wire(xml)).toEqual([400, TEXT, '008: incorrect_args']);
    const none = await request(server.url).post('/login');
    expect(wire(none)).toEqual([400, TEXT, '008: incorrect_args']);
  });

  test.each([
    ['an empty JSON object', {}],
    ['no Password', { Username: CQ_USER }],
    ['no Username', { password: CQ_PASS }],
    ['null fields', { Username: null, Password: null }],
  ])('a body without the fields (%s): 400 008, not 401', async (_name, body) => {
    const res = await request(server.url).post('/login').send(body);
    expect(wire(res)).toEqual([400, TEXT, '008: incorrect_args']);
  });

  test('a form without the fields: 400 008', async () => {
    const res = await request(server.url).post('/login').type('form').send('user=admin');
    expect(wire(res)).toEqual([400, TEXT, '008: incorrect_args']);
  });

  test('GET /login: 405', async () => {
    const res = await request(server.url).get('/login');
    expect(wire(res)).toEqual([405, TEXT, 'Method Not Allowed']);
    expect(res.headers.allow).toBe('POST');
  });
});

describe('/api authentication', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startCq();
  });
  afterAll(() => server.destroy());

  const nowSeconds = () => Math.floor(server.clock.now() / 1000);
  const list = (authorization?: string) => {
    const req = request(server.url).get('/api/consumer/list');
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };
  const MISSING: [number, string, string] = [400, TEXT, 'Missing or malformed JWT'];
  const INVALID: [number, string, string] = [401, TEXT, 'Invalid or expired JWT'];

  test('a login token works', async () => {
    expect(wire(await list(`Bearer ${await login(server)}`))).toEqual([200, JSON_TYPE, 'null']);
  });

  test('no Authorization header: 400', async () => {
    expect(wire(await list())).toEqual(MISSING);
  });

  test.each(['Basic YWRtaW46cGFzc3dvcmQ=', 'Bearer', 'Bearer   ', 'Token abc'])(
    'a header that is neither Bearer nor OAuth (%s): 400',
    async (header) => {
      expect(wire(await list(header))).toEqual(MISSING);
    },
  );

  test('the dashboard before login ("Bearer null"): 401, never data', async () => {
    expect(wire(await list('Bearer null'))).toEqual(INVALID);
  });

  test('a malformed token: 401', async () => {
    expect(wire(await list('Bearer abc.def.ghi'))).toEqual(INVALID);
    expect(wire(await list('Bearer not-a-jwt'))).toEqual(INVALID);
  });

  test('a wrong signature, including CrimsonQ\'s constant secret "crimsonQ": 401', async () => {
    const claims = { name: CQ_USER, admin: true, exp: nowSeconds() + 60, project_id: PROJECT_ID };
    expect(wire(await list(`Bearer ${sign(claims, 'some-other-secret')}`))).toEqual(INVALID);
    expect(wire(await list(`Bearer ${sign(claims, 'crimsonQ')}`))).toEqual(INVALID);
  });

  test('an expired token: 401', async () => {
    const old = sign(
      { name: CQ_USER, admin: true, exp: nowSeconds() - 1, project_id: PROJECT_ID },
      JWT_SECRET,
    );
    expect(wire(await list(`Bearer ${old}`))).toEqual(INVALID);
  });

  test('a login token expires after 72 h', async () => {
    const token = await login(server);
    server.clock.advance((HOURS_72 - 1) * 1000);
    expect((await list(`Bearer ${token}`)).status).toBe(200);
    server.clock.advance(2000);
    expect(wire(await list(`Bearer ${token}`))).toEqual(INVALID);
  });

  test('an unsigned token (alg none) or another algorithm: 401', async () => {
    const claims = { name: CQ_USER, admin: true, exp: nowSeconds() + 60 };
    expect(wire(await list(`Bearer ${sign(claims, null, { algorithm: 'none' })}`))).toEqual(INVALID);
    expect(wire(await list(`Bearer ${sign(claims, JWT_SECRET, { algorithm: 'HS512' })}`))).toEqual(INVALID);
  });

  test('a token naming a project that does not exist: 401', async () => {
    const token = sign(
      { name: CQ_USER, exp: nowSeconds() + 60, project_id: 'ffffffffffffffffffffffff' },
      JWT_SECRET,
    );
    expect(wire(await list(`Bearer ${token}`))).toEqual(INVALID);
  });

  test('a token without project_id works in the default CrimsonQ project', async () => {
    const token = sign({ name: CQ_USER, admin: true, exp: nowSeconds() + 60 }, JWT_SECRET);
    const api = cq(server, token);
    expect((await api.post('/api/consumer/create', { consumerId: 'no-claim' })).status).toBe(200);
    const queue = await request(server.url)
      .get(`/3/projects/${PROJECT_ID}/queues/no-claim`)
      .set('Authorization', `OAuth ${TOKEN}`);
    expect(queue.status).toBe(200);
  });

  test('an IronMQ token of the project works too: Authorization OAuth or ?oauth=', async () => {
    const header = await request(server.url)
      .get('/api/consumer/exists/no-claim')
      .set('Authorization', `OAuth ${TOKEN}`);
    expect(wire(header)).toEqual([200, JSON_TYPE, '"true"']);
    const query = await request(server.url).get(`/api/consumer/exists/no-claim?oauth=${TOKEN}`);
    expect(wire(query)).toEqual([200, JSON_TYPE, '"true"']);
  });

  test('an unknown IronMQ token: 401', async () => {
    const res = await request(server.url)
      .get('/api/consumer/list')
      .set('Authorization', 'OAuth not-a-real-token-123456');
    expect(wire(res)).toEqual([401, TEXT, 'Unauthorized']);
  });

  test("unknown /api paths need a token too, as under CrimsonQ's jwtware", async () => {
    expect(wire(await request(server.url).get('/api/nothing'))).toEqual(MISSING);
  });
});

describe('the JWT secret and the CrimsonQ project', () => {
  test('without FERRITE_JWT_SECRET a secret is generated once and kept in the data file', async () => {
    const dir = tempDir();
    const env = { CRIMSONQ_HTTP_USER: CQ_USER, CRIMSONQ_HTTP_PASS: CQ_PASS };
    let server = await startServer({ dir, env });
    const token = await login(server);
    const secret = await server.store.serverSetting('crimsonq.jwt_secret', 'unused');
    expect(secret).not.toBe('unused');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    await server.stop();

    server = await startServer({ dir, env, clock: server.clock });
    try {
      // The same secret after a restart: the old token still works.
      expect((await cq(server, token).get('/api/consumer/list')).status).toBe(200);
      expect(await server.store.serverSetting('crimsonq.jwt_secret', 'unused')).toBe(secret);
    } finally {
      await server.destroy();
    }

    // Another data file, another secret.
    const other = await startServer({ env });
    try {
      expect(await other.store.serverSetting('crimsonq.jwt_secret', 'unused')).not.toBe(secret);
      expect((await cq(other, token).get('/api/consumer/list')).status).toBe(401);
    } finally {
      await other.destroy();
    }
  });

  test('FERRITE_CRIMSONQ_PROJECT_ID puts logins in that project', async () => {
    let server = await startCq();
    const second = await createProject(server.engine, { name: 'crimsonq' });
    await server.stop();
    server = await startServer({
      dir: server.dir,
      clock: server.clock,
      env: {
        CRIMSONQ_HTTP_USER: CQ_USER,
        CRIMSONQ_HTTP_PASS: CQ_PASS,
        FERRITE_JWT_SECRET: JWT_SECRET,
        FERRITE_CRIMSONQ_PROJECT_ID: second.project.id,
      },
    });
    try {
      const token = await login(server);
      expect((decode(token) as { project_id: string }).project_id).toBe(second.project.id);
      expect((await cq(server, token).post('/api/consumer/create', { consumerId: 'elsewhere' })).status).toBe(
        200,
      );
      const inSecond = await request(server.url)
        .get(`/3/projects/${second.project.id}/queues/elsewhere`)
        .set('Authorization', `OAuth ${second.token}`);
      expect(inSecond.status).toBe(200);
      const inDefault = await request(server.url)
        .get(`/3/projects/${PROJECT_ID}/queues/elsewhere`)
        .set('Authorization', `OAuth ${TOKEN}`);
      expect(inDefault.status).toBe(404);
    } finally {
      await server.destroy();
    }
  });

  test('the default password is warned about at start; a configured one is not', async () => {
    const server = await startServer();
    try {
      const warnings: string[] = [];
      const log = { warn: (message: string) => warnings.push(message) } as unknown as Logger;
      const subscriptions = new Subscriptions(server.engine, { heartbeatMs: 1000 });
      await resolveCrimsonq(loadConfig({}), server.engine, subscriptions, log);
      expect(warnings.join('\n')).toMatch(/default password/);
      warnings.length = 0;
      await resolveCrimsonq(
        loadConfig({ CRIMSONQ_HTTP_PASS: 'a real one' }),
        server.engine,
        subscriptions,
        log,
      );
      subscriptions.close();
      expect(warnings).toEqual([]);
    } finally {
      await server.destroy();
    }
  });
});
