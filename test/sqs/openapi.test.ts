import { deref, openApiDocument, type ResponseObject } from '../helpers/openapi';
import { jsonRequest, queryRequest, type RawAnswer } from './raw';
import { sqsKitForFile } from './sqs-kit';

/** SQS answers, success and error, JSON and XML, on each SQS path, are as openapi.yaml documents them. */

const kit = sqsKitForFile();

function expectDocumented(template: string, answer: RawAnswer, requestId: string | null): void {
  const operation = openApiDocument().paths[template]!.post!;
  const documented = operation.responses[String(answer.status)];
  expect([template, answer.status, documented !== undefined]).toEqual([template, answer.status, true]);
  const { value } = deref<ResponseObject>(documented!, '');
  expect(Object.keys(value.content ?? {})).toContain(answer.type);
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  if (answer.json && answer.status >= 400) {
    expect(answer.json).toEqual({
      __type: expect.stringMatching(/^com\.amazonaws\.sqs#[A-Za-z]+$/),
      message: expect.any(String),
    });
  }
}

test.each([
  ['/', '/'],
  ['/sqs', '/sqs'],
  ['/sqs/', '/sqs'],
])('POST %s: JSON and XML answers, successes and errors, as documented', async (path, template) => {
  for (const answer of [
    await jsonRequest(kit.server, 'ListQueues', {}, { path }),
    await jsonRequest(kit.server, 'GetQueueUrl', { QueueName: 'missing' }, { path }),
    await queryRequest(kit.server, { Action: 'ListQueues' }, { path }),
    await queryRequest(kit.server, { Action: 'GetQueueUrl', QueueName: 'missing' }, { path }),
  ]) {
    expectDocumented(template, answer, answer.requestId);
  }
});

test('POST to a queue URL acts on that queue without a QueueUrl parameter', async () => {
  const created = await jsonRequest(kit.server, 'CreateQueue', { QueueName: 'by-path' });
  const path = new URL(String(created.json!.QueueUrl)).pathname;
  const sent = await queryRequest(
    kit.server,
    { Action: 'SendMessage', MessageBody: 'posted to the queue URL' },
    { path },
  );
  expectDocumented('/{project_id}/{queue_name}', sent, sent.requestId);
  expect(sent.text).toMatch(
    /<SendMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><SendMessageResult><MessageId>\d+<\/MessageId><MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody><\/SendMessageResult>/,
  );
  const received = await jsonRequest(kit.server, 'ReceiveMessage', {}, { path });
  expectDocumented('/{project_id}/{queue_name}', received, received.requestId);
  expect((received.json!.Messages as { Body: string }[])[0]!.Body).toBe('posted to the queue URL');
  // A path that is not a queue URL is not SQS's.
  const other = await fetch(`${kit.server.url}/not-a-project/by-path`, { method: 'POST' });
  expect([other.status, other.headers.get('content-type')]).toEqual([404, 'application/json']);
});
