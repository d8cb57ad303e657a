import {
  AddPermissionCommand,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueueTagsCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { api, uniqueNames } from '../helpers/http';
import { sqsKitForFile } from './sqs-kit';

/**
 * Every SQS action, driven by the real AWS SDK for JavaScript v3 (the JSON protocol) against the real server:
 * the SDK checks MD5OfMessageBody itself on every send and receive, so each passing send or receive is also
 * an MD5 check. Both auth schemes are used: `kit.sqs` (IronMQ's `<project_id>:<token>`) and `kit.signed` (a
 * SigV4 key Ferrite issued, verified by the server).
 */

const kit = sqsKitForFile();
const fresh = uniqueNames();

async function newQueue(client: SQSClient, name: string, Attributes?: Record<string, string>) {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes }));
  return QueueUrl!;
}

const errorOf = async (
  promise: Promise<unknown>,
): Promise<{ name: string; Code?: string; message: string }> => {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; Code?: string; message: string };
  }
  throw new Error('expected an SQS error');
};

describe('queues', () => {
  test('CreateQueue with attributes and tags; GetQueueUrl; the same create again returns the URL, a different one is refused', async () => {
    const name = fresh('orders');
    const url = await newQueue(kit.signed, name, { VisibilityTimeout: '45', DelaySeconds: '0' });
    expect(url).toBe(kit.queueUrl(name));
    expect((await kit.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);
    expect(await newQueue(kit.sqs, name, { VisibilityTimeout: '45' })).toBe(url);
    const conflict = await errorOf(newQueue(kit.sqs, name, { VisibilityTimeout: '46' }));
    expect(conflict).toMatchObject({ name: 'QueueNameExists', Code: 'QueueAlreadyExists' });
    const tagged = fresh('tagged');
    await kit.sqs.send(new CreateQueueCommand({ QueueName: tagged, tags: { team: 'billing' } }));
    const tags = await kit.sqs.send(new ListQueueTagsCommand({ QueueUrl: kit.queueUrl(tagged) }));
    expect(tags.Tags).toEqual({ team: 'billing' });
  });

  test('GetQueueUrl of a missing queue is QueueDoesNotExist (AWS.SimpleQueueService.NonExistentQueue)', async () => {
    const error = await errorOf(kit.sqs.send(new GetQueueUrlCommand({ QueueName: 'never-made' })));
    expect(error).toMatchObject({
      name: 'QueueDoesNotExist',
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
    });
  });

  test('ListQueues filters by prefix and pages with MaxResults and NextToken', async () => {
    const prefix = fresh('list');
    for (const suffix of ['a', 'b', 'c']) await newQueue(kit.sqs, `${prefix}-${suffix}`);
    const first = await kit.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2 }));
    expect(first.QueueUrls).toEqual([kit.queueUrl(`${prefix}-a`), kit.queueUrl(`${prefix}-b`)]);
    const second = await kit.sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2, NextToken: first.NextToken }),
    );
    expect(second.QueueUrls).toEqual([kit.queueUrl(`${prefix}-c`)]);
    expect(second.NextToken).toBeUndefined();
    const all = await kit.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    expect(all.QueueUrls).toHaveLength(3);
  });

  test('GetQueueAttributes: counts by visibility, timestamps, ARN and settings; SetQueueAttributes changes them', async () => {
    const name = fresh('attrs');
    const url = await newQueue(kit.sqs, name);
    await kit.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    await kit.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b' }));
    await kit.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 60 }));
    await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const { Attributes } = await kit.signed.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    const created = String(Math.floor(kit.server.clock.now() / 1000));
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      CreatedTimestamp: created,
      LastModifiedTimestamp: created,
      QueueArn: `arn:aws:sqs:us-east-1:${kit.server.projectId}:${name}`,
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '345600',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      MaximumMessageSize: '262144',
    });
    await kit.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: { VisibilityTimeout: '120', MaximumMessageSize: '2048' },
      }),
    );
    const changed = await kit.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['VisibilityTimeout', 'MaximumMessageSize'],
      }),
    );
    expect(changed.Attributes).toEqual({ VisibilityTimeout: '120', MaximumMessageSize: '2048' });
    // The same queue through IronMQ.
    const info = await api(kit.server).get(`/queues/${name}`);
    expect(info.body.queue).toMatchObject({ message_timeout: 120, size: 3 });
  });

  test('PurgeQueue empties the queue; DeleteQueue removes it', async () => {
    const url = await newQueue(kit.sqs, fresh('purge'));
    await kit.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    await kit.sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    const { Attributes } = await kit.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0' });
    await kit.signed.send(new DeleteQueueCommand({ QueueUrl: url }));
    const gone = await errorOf(kit.sqs.send(new PurgeQueueCommand({ QueueUrl: url })));
    expect(gone.name).toBe('QueueDoesNotExist');
  });

  test('TagQueue, ListQueueTags and UntagQueue', async () => {
    const url = await newQueue(kit.sqs, fresh('tags'));
    await kit.signed.send(new TagQueueCommand({ QueueUrl: url, Tags: { env: 'prod', team: 'a' } }));
    await kit.sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'b' } }));
    expect((await kit.sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({
      env: 'prod',
      team: 'b',
    });
    await kit.sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['env'] }));
    expect((await kit.signed.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({ team: 'b' });
  });
});

describe('messages', () => {
  test('SendMessage with attributes; ReceiveMessage returns them with system attributes and both MD5s', async () => {
    const url = await newQueue(kit.sqs, fresh('attributes'));
    const attributes = {
      city: { DataType: 'String', StringValue: 'Zürich' },
      count: { DataType: 'Number', StringValue: '42' },
      raw: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    };
    const sent = await kit.signed.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'line 1\r\nline 2 ✓',
        MessageAttributes: attributes,
      }),
    );
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const { Messages } = await kit.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const [message] = Messages!;
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'line 1\r\nline 2 ✓',
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      Attributes: {
        SenderId: kit.server.projectId,
        ApproximateReceiveCount: '1',
        SentTimestamp: String(kit.server.clock.now()),
        ApproximateFirstReceiveTimestamp: String(kit.server.clock.now()),
      },
    });
    expect(message!.MessageAttributes).toEqual(attributes);
    // Only the attributes asked for, with the MD5 of those.
    await kit.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const some = await kit.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['ci*', 'city'] }),
    );
    expect(Object.keys(some.Messages![0]!.MessageAttributes!)).toEqual(['city']);
    expect(some.Messages![0]!.MD5OfMessageAttributes).not.toBe(sent.MD5OfMessageAttributes);
  });

  test('a long poll returns as soon as a message is sent', async () => {
    const url = await newQueue(kit.sqs, fresh('long-poll'));
    const waiting = kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    // The receive is parked (nothing there yet) before the send.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await kit.signed.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages } = await waiting;
    expect(Messages?.map((m) => m.Body)).toEqual(['wake up']);
  });

  test('queue settings take effect: ReceiveMessageWaitTimeSeconds, DelaySeconds and MaximumMessageSize', async () => {
    // A receive without WaitTimeSeconds long-polls for the queue's ReceiveMessageWaitTimeSeconds.
    const polled = await newQueue(kit.sqs, fresh('default-wait'), { ReceiveMessageWaitTimeSeconds: '20' });
    const waiting = kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: polled }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await kit.sqs.send(
      new SendMessageCommand({ QueueUrl: polled, MessageBody: 'found by the default wait' }),
    );
    expect((await waiting).Messages?.map((m) => m.Body)).toEqual(['found by the default wait']);

    // A message sent to a queue with DelaySeconds is delayed, not receivable yet.
    const delayed = await newQueue(kit.sqs, fresh('delayed'), { DelaySeconds: '600' });
    await kit.sqs.send(new SendMessageCommand({ QueueUrl: delayed, MessageBody: 'later' }));
    const now = await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: delayed, WaitTimeSeconds: 0 }));
    expect(now.Messages ?? []).toEqual([]);
    const counts = await kit.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: delayed, AttributeNames: ['All'] }),
    );
    expect(counts.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesDelayed: '1',
    });

    // A message over the queue's MaximumMessageSize is refused, and nothing is stored.
    const small = await newQueue(kit.sqs, fresh('small'), { MaximumMessageSize: '1024' });
    const refused = await errorOf(
      kit.sqs.send(new SendMessageCommand({ QueueUrl: small, MessageBody: 'x'.repeat(1025) })),
    );
    expect(refused.name).toBe('InvalidParameterValue');
    await kit.sqs.send(new SendMessageCommand({ QueueUrl: small, MessageBody: 'x'.repeat(1024) }));
    const sizes = await kit.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: small, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(sizes.Attributes?.ApproximateNumberOfMessages).toBe('1');
  });

  test('visibility: a message not deleted in time is received again, with a higher receive count and a new receipt', async () => {
    const url = await newQueue(kit.sqs, fresh('visibility'));
    await kit.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'retry me' }));
    const first = (
      await kit.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 30, AttributeNames: ['All'] }),
      )
    ).Messages![0]!;
    expect((await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    kit.server.clock.advance(31_000);
    const again = (
      await kit.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'],
        }),
      )
    ).Messages![0]!;
    expect(again).toMatchObject({
      MessageId: first.MessageId,
      Attributes: {
        ApproximateReceiveCount: '2',
        ApproximateFirstReceiveTimestamp: first.Attributes!.ApproximateFirstReceiveTimestamp,
      },
    });
    expect(again.ReceiptHandle).not.toBe(first.ReceiptHandle);
    // The stale receipt: a visibility change is refused; a delete succeeds without deleting (as SQS documents).
    const stale = await errorOf(
      kit.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: first.ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
    );
    expect(stale).toMatchObject({ name: 'InvalidParameterValue' });
    await kit.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle }));
    const counts = await kit.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(counts.Attributes).toEqual({ ApproximateNumberOfMessagesNotVisible: '1' });
    await kit.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.ReceiptHandle }));
    kit.server.clock.advance(31_000);
    expect((await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
  });

  test('ChangeMessageVisibility extends a reservation under the same receipt, and 0 releases it', async () => {
    const url = await newQueue(kit.sqs, fresh('change'));
    await kit.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hold' }));
    const held = (await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 10 })))
      .Messages![0]!;
    await kit.signed.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: held.ReceiptHandle,
        VisibilityTimeout: 100,
      }),
    );
    kit.server.clock.advance(50_000);
    expect((await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    await kit.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: held.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const back = (await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0]!;
    expect(back.MessageId).toBe(held.MessageId);
  });

  test('batches report each entry: SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch with partial failures', async () => {
    const url = await newQueue(kit.sqs, fresh('batch'));
    const sent = await kit.signed.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'ok-1', MessageBody: 'one' },
          { Id: 'bad', MessageBody: 'bell \u0007 is not allowed' },
          {
            Id: 'ok-2',
            MessageBody: 'two',
            MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
          },
        ],
      }),
    );
    expect(sent.Successful!.map((e) => e.Id)).toEqual(['ok-1', 'ok-2']);
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents' }),
    ]);
    const { Messages } = await kit.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
    );
    expect(Messages!.map((m) => m.Body)).toEqual(['one', 'two']);
    const [one, two] = Messages!;
    const changed = await kit.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', ReceiptHandle: one!.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'b', ReceiptHandle: 'not-a-handle', VisibilityTimeout: 0 },
        ],
      }),
    );
    expect(changed.Successful!.map((e) => e.Id)).toEqual(['a']);
    expect(changed.Failed).toEqual([expect.objectContaining({ Id: 'b', Code: 'ReceiptHandleIsInvalid' })]);
    const deleted = await kit.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'x', ReceiptHandle: two!.ReceiptHandle },
          { Id: 'y', ReceiptHandle: '!!' },
        ],
      }),
    );
    expect(deleted.Successful!.map((e) => e.Id)).toEqual(['x']);
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'y', Code: 'ReceiptHandleIsInvalid' })]);
    const left = await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(left.Messages!.map((m) => m.Body)).toEqual(['one']);
  });

  test('batch rules: more than 10 entries, repeated ids, none at all', async () => {
    const url = await newQueue(kit.sqs, fresh('batch-rules'));
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    expect(
      await errorOf(kit.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(11) }))),
    ).toMatchObject({
      name: 'TooManyEntriesInBatchRequest',
      Code: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    });
    expect(
      await errorOf(
        kit.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [...entries(1), ...entries(1)] })),
      ),
    ).toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
    expect(
      await errorOf(kit.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] }))),
    ).toMatchObject({
      name: 'EmptyBatchRequest',
    });
    const { Attributes } = await kit.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(Attributes!.ApproximateNumberOfMessages).toBe('0');
  });

  test('RedrivePolicy moves a message to the dead-letter queue after maxReceiveCount receives; ListDeadLetterSourceQueues names the source', async () => {
    const dlqName = fresh('dlq');
    const dlq = await newQueue(kit.sqs, dlqName);
    const arn = (
      await kit.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))
    ).Attributes!.QueueArn!;
    const policy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 2 });
    const source = await newQueue(kit.signed, fresh('source'), {
      RedrivePolicy: policy,
      VisibilityTimeout: '10',
    });
    const sent = await kit.sqs.send(new SendMessageCommand({ QueueUrl: source, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) {
      const got = await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: source }));
      expect(got.Messages![0]!.MessageId).toBe(sent.MessageId);
      kit.server.clock.advance(11_000);
    }
    expect((await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: source }))).Messages).toBeUndefined();
    const dead = await kit.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlq, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(dead.Messages![0]).toMatchObject({ MessageId: sent.MessageId, Body: 'poison' });
    const attrs = await kit.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: source, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(JSON.parse(attrs.Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: arn,
      maxReceiveCount: 2,
    });
    const sources = await kit.sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
    expect(sources.queueUrls).toEqual([source]);
    // A policy naming a queue that does not exist is refused.
    const missing = await errorOf(
      kit.sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: source,
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${arn}-nope`, maxReceiveCount: 2 }),
          },
        }),
      ),
    );
    expect(missing.name).toBe('InvalidAttributeValue');
  });
});

describe('the same queues as IronMQ', () => {
  test('a message sent through SQS is reserved through IronMQ, and deleted there', async () => {
    const name = fresh('bridge-out');
    const url = await newQueue(kit.sqs, name);
    const sent = await kit.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'from sqs' }));
    const http = api(kit.server);
    const reserved = await http.post(`/queues/${name}/reservations`).send({ n: 1 });
    expect(reserved.body.messages).toEqual([
      expect.objectContaining({ id: sent.MessageId, body: 'from sqs' }),
    ]);
    const [message] = reserved.body.messages as { id: string; reservation_id: string }[];
    await http
      .delete(`/queues/${name}/messages/${message!.id}`)
      .send({ reservation_id: message!.reservation_id })
      .expect(200);
  });

  test('a message posted through IronMQ is received through SQS, and deleted with its receipt', async () => {
    const name = fresh('bridge-in');
    const http = api(kit.server);
    const posted = await http
      .post(`/queues/${name}/messages`)
      .send({ messages: [{ body: 'from ironmq' }] })
      .expect(201);
    const url = (await kit.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    const { Messages } = await kit.signed.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(Messages![0]).toMatchObject({ MessageId: posted.body.ids[0], Body: 'from ironmq' });
    await kit.sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: Messages![0]!.ReceiptHandle }),
    );
    const info = await http.get(`/queues/${name}`);
    expect(info.body.queue.size).toBe(0);
  });
});

describe('permissions (IronMQ left them out)', () => {
  test('AddPermission and RemovePermission edit the Policy attribute by label', async () => {
    const url = await newQueue(kit.sqs, fresh('policy'));
    await kit.sqs.send(
      new AddPermissionCommand({
        QueueUrl: url,
        Label: 'billing',
        AWSAccountIds: ['111122223333'],
        Actions: ['SendMessage'],
      }),
    );
    const { Attributes } = await kit.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }),
    );
    expect(JSON.parse(Attributes!.Policy!)).toMatchObject({
      Statement: [
        {
          Sid: 'billing',
          Effect: 'Allow',
          Action: ['SQS:SendMessage'],
          Principal: { AWS: ['arn:aws:iam::111122223333:root'] },
        },
      ],
    });
    const again = await errorOf(
      kit.sqs.send(
        new AddPermissionCommand({ QueueUrl: url, Label: 'billing', AWSAccountIds: ['1'], Actions: ['*'] }),
      ),
    );
    expect(again.name).toBe('InvalidParameterValue');
    await kit.signed.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'billing' }));
    const after = await kit.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(after.Attributes!.Policy).toBeUndefined();
    expect(
      (await errorOf(kit.sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'billing' })))).name,
    ).toBe('InvalidParameterValue');
  });
});
