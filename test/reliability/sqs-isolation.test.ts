import { DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type Database from 'better-sqlite3';
import { createProject } from '../../src/engine/projects';
import { createSqsKey } from '../../src/engine/sqs-keys';
import { SQS_ACTIONS } from '../../src/http/sqs/routes';
import { jsonRequest, queryRequest } from '../sqs/raw';
import { sqsClient, sqsKitForFile } from '../sqs/sqs-kit';
import { report } from './profile';

/**
 * Isolation of the SQS API: credentials reach only their own project, in both auth schemes and both protocols.
 * Every action, called with project B's credentials on project A's queue URL (and A's receipt handles), is
 * refused with AccessDenied and changes nothing; the actions that name queues by name act in B's project only;
 * A's receipt handles mean nothing on B's queue of the same name.
 */

const kit = sqsKitForFile();
const QUEUE = 'owned';
let bProject = '';
let bKey = '';
let bSigV4 = { accessKeyId: '', secretAccessKey: '' };
let aUrl = '';
let aHandle = '';
let calls = 0;

function projectFingerprint(db: Database.Database, projectId: string): string {
  const queues = db.prepare('SELECT * FROM queues WHERE project_id = ? ORDER BY id').all(projectId);
  const messages = db
    .prepare(
      'SELECT m.* FROM messages m JOIN queues q ON q.id = m.queue_id WHERE q.project_id = ? ORDER BY m.id',
    )
    .all(projectId);
  return JSON.stringify({ queues, messages });
}

/** Parameters each action accepts, naming A's queue and A's receipt handle. */
function paramsOf(action: string): Record<string, unknown> {
  const entry = { Id: 'e', ReceiptHandle: aHandle, VisibilityTimeout: 0, MessageBody: 'intruder' };
  return {
    QueueUrl: aUrl,
    QueueName: QUEUE,
    MessageBody: 'intruder',
    ReceiptHandle: aHandle,
    VisibilityTimeout: 0,
    Entries: [entry],
    Attributes: { VisibilityTimeout: '5' },
    Tags: { intruder: 'yes' },
    TagKeys: ['team'],
    Label: 'intruder',
    AWSAccountIds: ['1'],
    Actions: ['SendMessage'],
    AttributeNames: ['All'],
    ...(action === 'CreateQueue' ? { Attributes: { VisibilityTimeout: '7' } } : {}),
  };
}

/** The actions that name a queue by URL (the rest name queues by name, in the caller's own project). */
const BY_NAME = new Set(['CreateQueue', 'GetQueueUrl', 'ListQueues']);

beforeAll(async () => {
  const other = await createProject(kit.server.engine);
  bProject = other.project.id;
  bKey = `${bProject}:${other.token}`;
  const key = await createSqsKey(kit.server.engine, bProject, 'b');
  bSigV4 = { accessKeyId: key.accessKeyId, secretAccessKey: key.secret };
  for (const accessKeyId of [undefined, bKey]) {
    const created = await jsonRequest(
      kit.server,
      'CreateQueue',
      { QueueName: QUEUE, tags: { team: 'x' } },
      { accessKeyId },
    );
    const url = String(created.json!.QueueUrl);
    await jsonRequest(kit.server, 'SendMessage', { QueueUrl: url, MessageBody: 'held' }, { accessKeyId });
    await jsonRequest(kit.server, 'SendMessage', { QueueUrl: url, MessageBody: 'free' }, { accessKeyId });
    const got = await jsonRequest(
      kit.server,
      'ReceiveMessage',
      { QueueUrl: url, VisibilityTimeout: 3600 },
      { accessKeyId },
    );
    if (accessKeyId === undefined) {
      aUrl = url;
      aHandle = String((got.json!.Messages as { ReceiptHandle: string }[])[0]!.ReceiptHandle);
    }
  }
});

test('the action table is covered', () => {
  expect(Object.keys(SQS_ACTIONS).length).toBeGreaterThanOrEqual(20);
});

test.each(Object.keys(SQS_ACTIONS).map((action) => [action]))(
  "%s with project B's credentials (JSON and query, IronMQ's scheme) is refused on A's queue and changes nothing of A",
  async (action) => {
    const before = projectFingerprint(kit.server.dataFile(), kit.server.projectId);
    kit.server.clock.advance(1000);
    calls += 2;
    const json = await jsonRequest(kit.server, action, paramsOf(action), { accessKeyId: bKey });
    const query = await queryRequest(
      kit.server,
      { Action: action, QueueUrl: aUrl, QueueName: QUEUE, ReceiptHandle: aHandle },
      { accessKeyId: bKey },
    );
    if (BY_NAME.has(action)) {
      // Names are looked up in B's own project: B sees its own queue, never A's.
      expect(JSON.stringify(json.json)).not.toContain(kit.server.projectId);
      expect(query.text).not.toContain(kit.server.projectId);
    } else {
      expect([action, json.status, json.queryError]).toEqual([action, 403, 'AccessDenied;Sender']);
      expect([action, query.status, query.text]).toEqual([
        action,
        403,
        expect.stringContaining('<Code>AccessDenied</Code>'),
      ]);
    }
    expect(projectFingerprint(kit.server.dataFile(), kit.server.projectId)).toBe(before);
  },
);

test("B's SigV4 key (through the SDK) is refused on A's queue", async () => {
  const before = projectFingerprint(kit.server.dataFile(), kit.server.projectId);
  const b = sqsClient(kit.server.url, bSigV4);
  for (const command of [
    new SendMessageCommand({ QueueUrl: aUrl, MessageBody: 'intruder' }),
    new ReceiveMessageCommand({ QueueUrl: aUrl }),
    new DeleteQueueCommand({ QueueUrl: aUrl }),
  ]) {
    calls++;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- three command types through one client
    await expect(b.send(command as any)).rejects.toMatchObject({ name: 'AccessDenied' });
  }
  b.destroy();
  expect(projectFingerprint(kit.server.dataFile(), kit.server.projectId)).toBe(before);
});

test("A's receipt handle means nothing on B's queue of the same name", async () => {
  const bUrl = `${kit.server.url}/${bProject}/${QUEUE}`;
  const before = [
    projectFingerprint(kit.server.dataFile(), kit.server.projectId),
    projectFingerprint(kit.server.dataFile(), bProject),
  ];
  for (const action of ['DeleteMessage', 'ChangeMessageVisibility']) {
    calls++;
    const answer = await jsonRequest(
      kit.server,
      action,
      { QueueUrl: bUrl, ReceiptHandle: aHandle, VisibilityTimeout: 0 },
      { accessKeyId: bKey },
    );
    expect([action, answer.status, answer.queryError]).toEqual([
      action,
      404,
      'ReceiptHandleIsInvalid;Sender',
    ]);
  }
  expect([
    projectFingerprint(kit.server.dataFile(), kit.server.projectId),
    projectFingerprint(kit.server.dataFile(), bProject),
  ]).toEqual(before);
  report('sqs-isolation', { actions: Object.keys(SQS_ACTIONS).length, requests: calls });
});
