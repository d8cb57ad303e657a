import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { FakeClock } from '../../src/engine/clock';
import { createSqsKey } from '../../src/engine/sqs-keys';
import { startServer, tempDir } from '../helpers/server';
import { sqsClient } from './sqs-kit';

/** What SQS users of other self-hosted servers ask for: messages, attributes, queue settings and keys survive a restart. */
test('messages sent through SQS, with their attributes, the queue attributes and the SigV4 key survive a restart', async () => {
  const dir = tempDir();
  const clock = new FakeClock(Date.now());
  const first = await startServer({ dir, clock });
  const key = await createSqsKey(first.engine, first.projectId, 'durable');
  const credentials = { accessKeyId: key.accessKeyId, secretAccessKey: key.secret };
  let client = sqsClient(first.url, credentials);
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: 'durable',
      Attributes: { ReceiveMessageWaitTimeSeconds: '0', DelaySeconds: '0', VisibilityTimeout: '77' },
    }),
  );
  const sent = await client.send(
    new SendMessageCommand({
      QueueUrl,
      MessageBody: 'still here',
      MessageAttributes: { trace: { DataType: 'String', StringValue: 'abc' } },
    }),
  );
  client.destroy();
  await first.stop();

  const second = await startServer({ dir, clock });
  try {
    client = sqsClient(second.url, credentials);
    const url = `${second.url}/${second.projectId}/durable`;
    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'] }),
    );
    expect(Messages![0]).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'still here',
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      MessageAttributes: { trace: { DataType: 'String', StringValue: 'abc' } },
    });
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }),
    );
    expect(Attributes).toEqual({ VisibilityTimeout: '77' });
    client.destroy();
  } finally {
    await second.destroy();
  }
});
