import { CreateQueueCommand, ListQueuesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createProject } from '../../src/engine/projects';
import { createSqsKey, revokeSqsKey } from '../../src/engine/sqs-keys';
import { startServer } from '../helpers/server';
import { FakeClock } from '../../src/engine/clock';
import { fingerprint } from '../reliability/store-checks';
import { jsonRequest } from './raw';
import { sqsClient, sqsKitForFile } from './sqs-kit';

/** Both auth schemes, and every way a credential is refused, with SQS's codes; a key reaches only its project. */

const kit = sqsKitForFile();

const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected an SQS error');
};

test('a SigV4 key Ferrite issued works; the same key with a wrong secret is SignatureDoesNotMatch', async () => {
  await kit.signed.send(new CreateQueueCommand({ QueueName: 'signed' }));
  const forged = kit.client({
    accessKeyId: kit.key.accessKeyId,
    secretAccessKey: 'not-the-secret-0000000000000000000000000',
  });
  const error = await errorOf(forged.send(new ListQueuesCommand({})));
  expect(error).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  forged.destroy();
});

test('an unknown or revoked access key is InvalidClientTokenId', async () => {
  const unknown = kit.client({ accessKeyId: 'FKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x' });
  expect(await errorOf(unknown.send(new ListQueuesCommand({})))).toMatchObject({
    name: 'InvalidClientTokenId',
  });
  const key = await createSqsKey(kit.server.engine, kit.server.projectId, 'to-revoke');
  const client = kit.client({ accessKeyId: key.accessKeyId, secretAccessKey: key.secret });
  await client.send(new ListQueuesCommand({}));
  await revokeSqsKey(kit.server.engine, key.accessKeyId);
  expect(await errorOf(client.send(new ListQueuesCommand({})))).toMatchObject({
    name: 'InvalidClientTokenId',
  });
  unknown.destroy();
  client.destroy();
});

test("IronMQ's scheme: a wrong token, or a token of another project, is InvalidClientTokenId", async () => {
  const other = await createProject(kit.server.engine);
  for (const accessKeyId of [
    `${kit.server.projectId}:wrong-token-000000000`,
    `${kit.server.projectId}:${other.token}`,
  ]) {
    const client = kit.client({ accessKeyId, secretAccessKey: 'x' });
    expect(await errorOf(client.send(new ListQueuesCommand({})))).toMatchObject({
      name: 'InvalidClientTokenId',
    });
    client.destroy();
  }
});

test('a signature more than 15 minutes off the server clock is RequestExpired', async () => {
  const late = sqsClient(kit.server.url, {
    accessKeyId: kit.key.accessKeyId,
    secretAccessKey: kit.key.secret,
  });
  late.config.systemClockOffset = -20 * 60 * 1000;
  expect(await errorOf(late.send(new ListQueuesCommand({})))).toMatchObject({ name: 'RequestExpired' });
  late.destroy();
});

test('no credentials at all is MissingAuthenticationToken', async () => {
  const res = await fetch(kit.server.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AmazonSQS.ListQueues' },
    body: '{}',
  });
  expect(res.status).toBe(403);
  expect(res.headers.get('x-amzn-query-error')).toBe('MissingAuthenticationToken;Sender');
});

test("a key reaches only its project: another project's queue URL is AccessDenied and nothing changes", async () => {
  const other = await createProject(kit.server.engine);
  const otherKey = await createSqsKey(kit.server.engine, other.project.id, 'b');
  const b = kit.client({ accessKeyId: otherKey.accessKeyId, secretAccessKey: otherKey.secret });
  const { QueueUrl } = await kit.sqs.send(new CreateQueueCommand({ QueueName: 'owned-by-a' }));
  const before = fingerprint(kit.server.dataFile());
  expect(await errorOf(b.send(new SendMessageCommand({ QueueUrl, MessageBody: 'intruder' })))).toMatchObject({
    name: 'AccessDenied',
    $metadata: { httpStatusCode: 403 },
  });
  expect((await b.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
  expect(fingerprint(kit.server.dataFile())).toBe(before);
  b.destroy();
});

test("FERRITE_SQS_IRONMQ_AUTH=false refuses IronMQ's unsigned scheme; SigV4 keys still work", async () => {
  const server = await startServer({
    clock: new FakeClock(Date.now()),
    env: { FERRITE_SQS_IRONMQ_AUTH: 'false' },
  });
  try {
    const answer = await jsonRequest(server, 'ListQueues', {});
    expect([answer.status, answer.queryError]).toEqual([403, 'InvalidClientTokenId;Sender']);
    const key = await createSqsKey(server.engine, server.projectId, 'only');
    const client = sqsClient(server.url, { accessKeyId: key.accessKeyId, secretAccessKey: key.secret });
    await client.send(new CreateQueueCommand({ QueueName: 'works' }));
    client.destroy();
  } finally {
    await server.destroy();
  }
});
