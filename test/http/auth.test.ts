import type { Response } from 'supertest';
import { createProject, createToken, type CreatedProject } from '../../src/engine/projects';
import { api } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

const UNAUTHORIZED = { msg: 'Invalid project/token combination' };

let server: TestServer;
let http: ReturnType<typeof api>;
/** A second project of the same server, with its own token. */
let other: CreatedProject;

beforeAll(async () => {
  server = await startServer();
  http = api(server);
  other = await createProject(server.engine);
  const created = await http.put('/queues/owned').send({ queue: { message_timeout: 45 } });
  expect(created.status).toBe(200);
  const posted = await http.post('/queues/owned/messages').send({ messages: [{ body: 'private' }] });
  expect(posted.status).toBe(201);
});
afterAll(() => server.destroy());

/** Path under the default project, for requests made without the helper's OAuth header. */
const path = (p: string, projectId = server.projectId) => `/3/projects/${projectId}${p}`;

/** What the default project's queues look like, read with its own token. */
async function snapshot(): Promise<{ list: unknown; owned: unknown; peek: unknown }> {
  const list = await http.get('/queues');
  const owned = await http.get('/queues/owned');
  const peek = await http.get('/queues/owned/messages?n=10');
  expect([list.status, owned.status, peek.status]).toEqual([200, 200, 200]);
  return { list: list.body, owned: owned.body, peek: peek.body };
}

function expectUnauthorized(res: Response): void {
  expectMatchesSpec(res);
  expect(res.status).toBe(401);
  expect(res.body).toEqual(UNAUTHORIZED);
}

/** Requests that would read or change the default project's queues, given some way to attach credentials. */
function attempts(raw: ReturnType<typeof api>['raw']) {
  return [
    () => raw.get(path('/queues')),
    () => raw.get(path('/queues/owned')),
    () => raw.put(path('/queues/owned')).send({ queue: { message_timeout: 10 } }),
    () => raw.put(path('/queues/intruder')).send({}),
    () => raw.patch(path('/queues/owned')).send({ queue: { message_timeout: 10 } }),
    () => raw.post(path('/queues/owned/messages')).send({ messages: [{ body: 'injected' }] }),
    () => raw.post(path('/queues/owned/reservations')).send({ n: 1 }),
    () => raw.delete(path('/queues/owned/messages')).send({}),
    () => raw.delete(path('/queues/owned')).send({}),
  ];
}

describe('requests without a valid token', () => {
  test('when no token is sent, every route answers 401 and nothing changes', async () => {
    const before = await snapshot();

    for (const attempt of attempts(http.raw)) {
      expectUnauthorized(await attempt());
    }

    expect(await snapshot()).toEqual(before);
  });

  test('when an unknown token is sent, every route answers 401 and nothing changes', async () => {
    const before = await snapshot();

    for (const attempt of attempts(http.raw)) {
      expectUnauthorized(await attempt().set('Authorization', 'OAuth not-a-real-token-000000000'));
    }

    expect(await snapshot()).toEqual(before);
  });

  test('when the Authorization header has no token after the scheme, it answers 401', async () => {
    const res = await http.raw.get(path('/queues')).set('Authorization', 'OAuth ');

    expectUnauthorized(res);
  });

  test('when the token is right but the scheme is unknown, it answers 401', async () => {
    const res = await http.raw.get(path('/queues')).set('Authorization', `Basic ${server.token}`);

    expectUnauthorized(res);
  });
});

describe('ways of sending the token', () => {
  test('when the token is sent as ?oauth= (the .NET client), the request is served', async () => {
    const listed = await http.raw.get(path(`/queues?oauth=${server.token}`));
    const created = await http.raw.put(path(`/queues/via-query?oauth=${server.token}`)).send({});

    expectMatchesSpec(listed);
    expect(listed.status).toBe(200);
    expectMatchesSpec(created);
    expect(created.status).toBe(200);
    expect(created.body.queue.name).toBe('via-query');
  });

  test('when the token is inside the JSON body (the PHP client), POST, PUT and DELETE are served', async () => {
    const oauth = server.token;

    const created = await http.raw
      .put(path('/queues/via-body'))
      .send({ queue: { message_timeout: 30 }, oauth });
    const posted = await http.raw
      .post(path('/queues/via-body/messages'))
      .send({ messages: [{ body: 'php' }], oauth });
    const cleared = await http.raw.delete(path('/queues/via-body/messages')).send({ oauth });
    const deleted = await http.raw.delete(path('/queues/via-body')).send({ oauth });

    expectMatchesSpec(created);
    expect(created.status).toBe(200);
    expect(created.body.queue.message_timeout).toBe(30);
    expectMatchesSpec(posted);
    expect(posted.status).toBe(201);
    expectMatchesSpec(cleared);
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ msg: 'Cleared' });
    expectMatchesSpec(deleted);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ msg: 'Deleted' });
    expect((await http.get('/queues/via-body')).status).toBe(404);
  });

  test('when the token in the JSON body is wrong, it answers 401 and creates nothing', async () => {
    const res = await http.raw.put(path('/queues/via-bad-body')).send({ oauth: 'wrong-token-000000000000' });

    expectUnauthorized(res);
    expect((await http.get('/queues/via-bad-body')).status).toBe(404);
  });

  test.each(['OAuth', 'oauth', 'OAUTH', 'oAuth'])(
    'when the scheme is written "%s", the token is accepted',
    async (scheme) => {
      const res = await http.raw.get(path('/queues/owned')).set('Authorization', `${scheme} ${server.token}`);

      expectMatchesSpec(res);
      expect(res.status).toBe(200);
      expect(res.body.queue.name).toBe('owned');
    },
  );
});

describe('a second project', () => {
  test('when its token is used on the first project, in header, query or body, it answers 401 and nothing changes', async () => {
    const before = await snapshot();
    const sneaky = other.token;

    for (const attempt of attempts(http.raw)) {
      expectUnauthorized(await attempt().set('Authorization', `OAuth ${sneaky}`));
      expectUnauthorized(await attempt().query({ oauth: sneaky }));
    }
    for (const attempt of [
      () => http.raw.put(path('/queues/owned')).send({ queue: { message_timeout: 10 }, oauth: sneaky }),
      () => http.raw.post(path('/queues/owned/messages')).send({ messages: [{ body: 'x' }], oauth: sneaky }),
      () => http.raw.post(path('/queues/owned/reservations')).send({ n: 1, oauth: sneaky }),
      () => http.raw.delete(path('/queues/owned/messages')).send({ oauth: sneaky }),
      () => http.raw.delete(path('/queues/owned')).send({ oauth: sneaky }),
    ]) {
      expectUnauthorized(await attempt());
    }

    expect(await snapshot()).toEqual(before);
  });

  test('when it uses its own token on its own path, it sees only its own queues', async () => {
    const mine = api({ ...server, projectId: other.project.id, token: other.token });
    const created = await mine.put('/queues/owned').send({ queue: { message_timeout: 20 } });

    const listed = await mine.get('/queues');

    expectMatchesSpec(created);
    expect(created.status).toBe(200);
    expect(created.body.queue).toMatchObject({ project_id: other.project.id, message_timeout: 20, size: 0 });
    expectMatchesSpec(listed);
    expect(listed.status).toBe(200);
    expect(listed.body.queues.map((item: { name: string }) => item.name)).toEqual(['owned']);
    const first = await http.get('/queues/owned');
    expect(first.body.queue).toMatchObject({ project_id: server.projectId, message_timeout: 45, size: 1 });
  });

  test("when the first project's token is used on the second project's path, it answers 401", async () => {
    const res = await http.raw
      .get(path('/queues', other.project.id))
      .set('Authorization', `OAuth ${server.token}`);

    expectUnauthorized(res);
  });
});

describe('revoked tokens and malformed project ids', () => {
  test('when a token is revoked, it stops working at once', async () => {
    const { token, tokenId } = await createToken(server.engine, server.projectId, 'ci');
    const withToken = () => http.raw.get(path('/queues/owned')).set('Authorization', `OAuth ${token}`);
    const working = await withToken();
    expectMatchesSpec(working);
    expect(working.status).toBe(200);

    await server.store.revokeToken(tokenId, server.clock.now());

    expectUnauthorized(await withToken());
    expectUnauthorized(await http.raw.get(path(`/queues/owned?oauth=${token}`)));
    const stillServed = await http.get('/queues/owned');
    expect(stillServed.status).toBe(200);
  });

  test.each([
    ['too short', 'abc'],
    ['Java test id', '4444444444444'],
    ['uppercase', '5E1F0C0FFEE0DDBA11CA7E01'],
    ['25 characters', '5e1f0c0ffee0ddba11ca7e01a'],
    ['not hex', '5e1f0c0ffee0ddba11ca7e0z'],
  ])('when the project id is %s, a valid token gets 401', async (_what, projectId) => {
    const res = await http.raw.get(path('/queues', projectId)).set('Authorization', `OAuth ${server.token}`);

    expectUnauthorized(res);
  });
});
