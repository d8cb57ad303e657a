import type { IncomingMessage } from 'node:http';
import type { Response } from 'supertest';
import { createProject } from '../../src/engine/projects';
import { api, q } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer();
  http = api(server);
});
afterAll(() => server.destroy());

const iso = (ms: number) => new Date(ms).toISOString();

/** The full queue info a fresh pull queue answers with; `overrides` replaces fields. */
function queueInfo(name: string, overrides: Record<string, unknown> = {}) {
  return {
    id: expect.any(String),
    project_id: server.projectId,
    name,
    size: 0,
    total_messages: 0,
    message_timeout: 60,
    message_expiration: 604800,
    type: 'pull',
    created_at: expect.any(String),
    updated_at: expect.any(String),
    ...overrides,
  };
}

async function getQueue(name: string): Promise<Response> {
  const res = await http.get(`/queues/${q(name)}`);
  expectMatchesSpec(res);
  return res;
}

async function createQueue(name: string, queue: Record<string, unknown> = {}): Promise<void> {
  const res = await http.put(`/queues/${q(name)}`).send({ queue });
  expect(res.status).toBe(200);
}

async function postMessages(name: string, messages: Record<string, unknown>[]): Promise<void> {
  const res = await http.post(`/queues/${q(name)}/messages`).send({ messages });
  expect(res.status).toBe(201);
}

/** Lets the clock move so that any write a refused request made would show in `updated_at`. */
function tick(): void {
  server.clock.advance(1000);
}

function reasonOf(res: Response): string | undefined {
  return (res as unknown as { res: IncomingMessage }).res.statusMessage;
}

/** An api() bound to a brand-new project of the same server, for tests that need an empty queue list. */
async function emptyProject(): Promise<ReturnType<typeof api>> {
  const created = await createProject(server.engine);
  return api({ ...server, projectId: created.project.id, token: created.token });
}

describe('creating a queue with PUT', () => {
  test('when a queue is created without settings, it answers 200 with the defaults', async () => {
    const res = await http.put('/queues/created-plain').send({});

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      queue: queueInfo('created-plain', {
        created_at: iso(server.clock.now()),
        updated_at: iso(server.clock.now()),
      }),
    });
  });

  test('when a queue is created with {"queue":{}} (Ruby), it gets the defaults too', async () => {
    const res = await http.put('/queues/created-empty-queue').send({ queue: {} });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ queue: queueInfo('created-empty-queue') });
  });

  test('when a queue is created with settings, the response and a later GET show them', async () => {
    const res = await http
      .put('/queues/created-set')
      .send({ queue: { message_timeout: 30, message_expiration: 3600 } });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      queue: queueInfo('created-set', { message_timeout: 30, message_expiration: 3600 }),
    });
    expect((await getQueue('created-set')).body).toEqual(res.body);
  });

  test('when PUT names an existing queue, it updates it and keeps its messages', async () => {
    await createQueue('put-update');
    await postMessages('put-update', [{ body: 'kept' }]);

    const res = await http.put('/queues/put-update').send({ queue: { message_timeout: 45 } });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue).toEqual(
      queueInfo('put-update', { message_timeout: 45, size: 1, total_messages: 1 }),
    );
    const got = await getQueue('put-update');
    expect(got.status).toBe(200);
    expect(got.body.queue.message_timeout).toBe(45);
    expect(got.body.queue.size).toBe(1);
  });

  test('when PUT on an existing queue has no settings, nothing about the queue changes', async () => {
    await createQueue('put-noop', { message_timeout: 45, message_expiration: 7200 });
    const before = await getQueue('put-noop');

    const res = await http.put('/queues/put-noop').send({});

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue).toEqual({ ...before.body.queue, updated_at: expect.any(String) });
  });
});

describe('creating a queue with POST /queues/{name} (the 2014 draft)', () => {
  test('when the queue is new, it answers 201; when it exists, 200 with the update applied', async () => {
    const created = await http.post('/queues/drafted').send({ queue: { message_timeout: 20 } });

    expectMatchesSpec(created);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ queue: queueInfo('drafted', { message_timeout: 20 }) });

    const again = await http.post('/queues/drafted').send({ queue: { message_timeout: 25 } });

    expectMatchesSpec(again);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ queue: queueInfo('drafted', { message_timeout: 25 }) });
  });
});

describe('updating a queue with PATCH', () => {
  test('when a queue is patched, it answers 200 with the full info and GET shows the change', async () => {
    await createQueue('patched');
    await postMessages('patched', [{ body: 'a' }, { body: 'b' }]);

    const res = await http.patch('/queues/patched').send({ queue: { message_timeout: 45 } });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      queue: queueInfo('patched', { message_timeout: 45, size: 2, total_messages: 2 }),
    });
    expect((await getQueue('patched')).body).toEqual(res.body);
  });

  test('when the queue does not exist, PATCH answers 404 and does not create it', async () => {
    const res = await http.patch('/queues/never-created').send({ queue: { message_timeout: 45 } });

    expectMatchesSpec(res);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ msg: 'Queue not found' });
    expect((await getQueue('never-created')).status).toBe(404);
  });

  test('when PATCH repeats the queue\'s own type "pull" (the Go client), it is accepted', async () => {
    await createQueue('same-type');

    const res = await http.patch('/queues/same-type').send({ queue: { type: 'pull', message_timeout: 50 } });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue).toEqual(queueInfo('same-type', { message_timeout: 50 }));
  });

  const NO_SUBSCRIBERS_ON_PULL = 'Subscribers can only be set on push queues (type multicast or unicast)';
  const TYPE_FIXED = "A queue's type cannot be changed (it is pull)";
  // A pull queue stays a pull queue: [what, queue settings, msg]
  const refused: [string, Record<string, unknown>, string][] = [
    [
      'push settings',
      { push: { subscribers: [{ name: 's', url: 'http://127.0.0.1:9/x' }] } },
      NO_SUBSCRIBERS_ON_PULL,
    ],
    ['type multicast', { type: 'multicast' }, TYPE_FIXED],
    ['type unicast', { type: 'unicast' }, TYPE_FIXED],
  ];

  test.each(refused)(
    'when PATCH asks a pull queue for %s, it answers 400 and the queue is unchanged',
    async (_what, queue, msg) => {
      await createQueue('unsupported-patch', { message_timeout: 33 });
      const before = await getQueue('unsupported-patch');
      tick();

      const res = await http.patch('/queues/unsupported-patch').send({ queue });

      expectMatchesSpec(res);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ msg });
      expect((await getQueue('unsupported-patch')).body).toEqual(before.body);
    },
  );

  test('when PUT creates a push queue without subscribers, it answers 400 and creates nothing', async () => {
    const res = await http.put('/queues/unsupported-put').send({ queue: { type: 'multicast' } });

    expectMatchesSpec(res);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ msg: 'A push queue needs at least one subscriber' });
    expect((await getQueue('unsupported-put')).status).toBe(404);
  });
});

describe('dead-letter settings', () => {
  test('when dead_letter is set, the queue shows it; when queue_name is "", it is removed', async () => {
    await createQueue('with-dlq');

    const set = await http
      .patch('/queues/with-dlq')
      .send({ queue: { dead_letter: { queue_name: 'with-dlq-dead', max_reservations: 3 } } });

    expectMatchesSpec(set);
    expect(set.status).toBe(200);
    expect(set.body.queue).toEqual(
      queueInfo('with-dlq', { dead_letter: { queue_name: 'with-dlq-dead', max_reservations: 3 } }),
    );
    expect((await getQueue('with-dlq')).body).toEqual(set.body);

    const removed = await http.patch('/queues/with-dlq').send({ queue: { dead_letter: { queue_name: '' } } });

    expectMatchesSpec(removed);
    expect(removed.status).toBe(200);
    expect(removed.body.queue).toEqual(queueInfo('with-dlq'));
    expect((await getQueue('with-dlq')).body.queue.dead_letter).toBeUndefined();
  });

  test('when dead_letter has no max_reservations, it defaults to 10', async () => {
    const res = await http
      .put('/queues/dlq-default')
      .send({ queue: { dead_letter: { queue_name: 'elsewhere' } } });

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queue.dead_letter).toEqual({ queue_name: 'elsewhere', max_reservations: 10 });
  });

  test('when dead_letter points at the queue itself, it answers 400 and nothing changes', async () => {
    await createQueue('self-dlq', { message_timeout: 40 });
    const before = await getQueue('self-dlq');
    tick();

    const patched = await http
      .patch('/queues/self-dlq')
      .send({ queue: { dead_letter: { queue_name: 'self-dlq', max_reservations: 2 } } });
    const created = await http
      .put('/queues/self-dlq-new')
      .send({ queue: { dead_letter: { queue_name: 'self-dlq-new' } } });

    for (const res of [patched, created]) {
      expectMatchesSpec(res);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ msg: 'A queue cannot be its own dead_letter queue' });
    }
    expect((await getQueue('self-dlq')).body).toEqual(before.body);
    expect((await getQueue('self-dlq-new')).status).toBe(404);
  });
});

describe('getting a queue', () => {
  test('when the queue does not exist, it answers 404 "Not Found" with {"msg":"Queue not found"} (the Go client compares both)', async () => {
    const res = await http.get('/queues/nowhere');

    expectMatchesSpec(res);
    expect(res.status).toBe(404);
    expect(reasonOf(res)).toBe('Not Found');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.text).toBe('{"msg":"Queue not found"}');
  });

  test('when a queue is read twice in a row, both answers are equal', async () => {
    await createQueue('read-twice');
    await postMessages('read-twice', [{ body: 'x' }]);

    const first = await getQueue('read-twice');
    const second = await getQueue('read-twice');

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
  });

  test('when messages are delayed or reserved, size still counts them and total_messages counts every post', async () => {
    await createQueue('sized');
    await postMessages('sized', [{ body: 'now' }, { body: 'later', delay: 60 }]);
    await postMessages('sized', [{ body: 'third' }]);
    const reserved = await http.post('/queues/sized/reservations').send({ n: 1 });
    expect(reserved.body.messages).toHaveLength(1);

    const res = await getQueue('sized');

    expect(res.status).toBe(200);
    expect(res.body.queue).toEqual(queueInfo('sized', { size: 3, total_messages: 3 }));

    const [message] = reserved.body.messages;
    const deleted = await http
      .delete(`/queues/sized/messages/${message.id}`)
      .send({ reservation_id: message.reservation_id });
    expect(deleted.status).toBe(200);

    const after = await getQueue('sized');
    expect(after.body.queue).toEqual(queueInfo('sized', { size: 2, total_messages: 3 }));
  });
});

describe('deleting a queue', () => {
  test('when a queue is deleted, GET answers 404 and a new post recreates it with size 1', async () => {
    await createQueue('doomed', { message_timeout: 45 });
    await postMessages('doomed', [{ body: 'old 1' }, { body: 'old 2' }]);

    const res = await http.delete('/queues/doomed').send({});

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ msg: 'Deleted' });
    const gone = await getQueue('doomed');
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ msg: 'Queue not found' });

    await postMessages('doomed', [{ body: 'new' }]);

    const recreated = await getQueue('doomed');
    expect(recreated.status).toBe(200);
    expect(recreated.body.queue).toEqual(queueInfo('doomed', { size: 1, total_messages: 1 }));
  });

  test('when the queue does not exist, DELETE answers 404', async () => {
    const res = await http.delete('/queues/not-there').send({});

    expectMatchesSpec(res);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ msg: 'Queue not found' });
  });
});

describe('listing queues', () => {
  const namesOf = (res: Response): string[] =>
    (res.body.queues as { name: string }[]).map((item) => item.name);

  async function createAll(project: ReturnType<typeof api>, names: string[]): Promise<void> {
    for (const name of names) {
      const res = await project.put(`/queues/${q(name)}`).send({});
      expect(res.status).toBe(200);
    }
  }

  test('when queues exist, they are listed alphabetically, each entry only a name as in IronMQ', async () => {
    const project = await emptyProject();
    await createAll(project, ['charlie', 'alpha', 'bravo', 'alpha-2']);

    const res = await project.get('/queues');

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(namesOf(res)).toEqual(['alpha', 'alpha-2', 'bravo', 'charlie']);
    // The Java client's suite asserts list entries carry no id or project_id ("Expect json with only names").
    expect(res.body.queues[0]).toEqual({ name: 'alpha' });
  });

  test('with detail=true (a Ferrite extension), each entry is the queue as GET returns it', async () => {
    const project = await emptyProject();
    await createAll(project, ['alpha', 'bravo']);

    const res = await project.get('/queues?detail=true');
    const one = await project.get('/queues/alpha');

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body.queues[0]).toEqual(one.body.queue);
    expect((await project.get('/queues?detail=maybe')).status).toBe(400);
  });

  test('when there are no queues, the list is empty', async () => {
    const project = await emptyProject();

    const res = await project.get('/queues');

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ queues: [] });
  });

  describe('with 105 queues', () => {
    let project: ReturnType<typeof api>;
    const names = Array.from({ length: 105 }, (_, i) => `q${String(i).padStart(3, '0')}`);

    beforeAll(async () => {
      project = await emptyProject();
      await createAll(project, names);
    });

    test('when per_page is not given, 30 queues are listed', async () => {
      const res = await project.get('/queues');

      expectMatchesSpec(res);
      expect(res.status).toBe(200);
      expect(namesOf(res)).toEqual(names.slice(0, 30));
    });

    test('when per_page is 101 (the Go client), it is capped at 100, not refused', async () => {
      const res = await project.get('/queues?per_page=101');

      expectMatchesSpec(res);
      expect(res.status).toBe(200);
      expect(namesOf(res)).toEqual(names.slice(0, 100));
    });

    test('when page=1 is sent (the Ruby client), it is ignored', async () => {
      const res = await project.get('/queues?page=1&per_page=5');

      expectMatchesSpec(res);
      expect(res.status).toBe(200);
      expect(namesOf(res)).toEqual(names.slice(0, 5));
    });

    test('when the list is read twice in a row, both answers are equal', async () => {
      const first = await project.get('/queues?per_page=100');
      const second = await project.get('/queues?per_page=100');

      expectMatchesSpec(second);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
    });
  });

  test('when previous=aa and per_page=4 (the Java test), the four names after "aa" are listed', async () => {
    const project = await emptyProject();
    await createAll(project, ['a', 'aa', 'aaa', 'aaaa', 'aaaaa', 'aaaaaa', 'aaaaaaa', 'aaaaaaaa']);

    const res = await project.get('/queues?previous=aa&per_page=4');

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(namesOf(res)).toEqual(['aaa', 'aaaa', 'aaaaa', 'aaaaaa']);
  });

  test('when previous names a queue that does not exist, the list starts after that name', async () => {
    const project = await emptyProject();
    await createAll(project, ['apple', 'banana', 'cherry']);

    const res = await project.get('/queues?previous=b');

    expectMatchesSpec(res);
    expect(res.status).toBe(200);
    expect(namesOf(res)).toEqual(['banana', 'cherry']);
  });

  test('when prefix is given, only names starting with it are listed, also together with previous', async () => {
    const project = await emptyProject();
    await createAll(project, ['jobs', 'jobs-1', 'jobs-2', 'jobs-3', 'jobz', 'mail', 'a-jobs']);

    const byPrefix = await project.get('/queues?prefix=jobs-');
    const afterFirst = await project.get('/queues?prefix=jobs-&previous=jobs-1');

    expectMatchesSpec(byPrefix);
    expect(byPrefix.status).toBe(200);
    expect(namesOf(byPrefix)).toEqual(['jobs-1', 'jobs-2', 'jobs-3']);
    expectMatchesSpec(afterFirst);
    expect(afterFirst.status).toBe(200);
    expect(namesOf(afterFirst)).toEqual(['jobs-2', 'jobs-3']);
  });
});
