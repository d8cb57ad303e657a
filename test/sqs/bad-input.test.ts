import { fingerprint } from '../reliability/store-checks';
import { jsonRequest, queryRequest } from './raw';
import { sqsKitForFile } from './sqs-kit';

/**
 * Bad input, action by action, in both protocols: missing parameters, wrong types, out-of-range values. Each
 * gets SQS's error code in the protocol's own shape (never a 500) and writes nothing.
 */

const kit = sqsKitForFile();
const Q = 'bad-input';
let url = '';
let otherQueueHandle = '';

beforeAll(async () => {
  const created = await jsonRequest(kit.server, 'CreateQueue', { QueueName: Q });
  url = String(created.json!.QueueUrl);
  await jsonRequest(kit.server, 'CreateQueue', { QueueName: `${Q}-other` });
  await jsonRequest(kit.server, 'SendMessage', { QueueUrl: `${url}-other`, MessageBody: 'x' });
  const got = await jsonRequest(kit.server, 'ReceiveMessage', { QueueUrl: `${url}-other` });
  otherQueueHandle = String((got.json!.Messages as { ReceiptHandle: string }[])[0]!.ReceiptHandle);
});

const big = 'x'.repeat(262_145);
const attributes = (n: number) =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
  );

/** [action, parameters (QueueUrl filled in unless given), SQS code, status] */
const CASES: [string, () => Record<string, unknown>, string, number][] = [
  ['CreateQueue', () => ({}), 'MissingParameter', 400],
  ['CreateQueue', () => ({ QueueName: 'bad name!' }), 'InvalidParameterValue', 400],
  ['CreateQueue', () => ({ QueueName: 'q.fifo' }), 'InvalidParameterValue', 400],
  [
    'CreateQueue',
    () => ({ QueueName: 'new-1', Attributes: { VisibilityTimeout: '43201' } }),
    'InvalidAttributeValue',
    400,
  ],
  ['CreateQueue', () => ({ QueueName: 'new-2', Attributes: { Nope: '1' } }), 'InvalidAttributeName', 400],
  [
    'CreateQueue',
    () => ({ QueueName: 'new-3', Attributes: { DelaySeconds: 5 } }),
    'InvalidParameterValue',
    400,
  ],
  ['CreateQueue', () => ({ QueueName: 'new-4', tags: ['x'] }), 'InvalidParameterValue', 400],
  ['GetQueueUrl', () => ({}), 'MissingParameter', 400],
  ['GetQueueUrl', () => ({ QueueName: 5 }), 'InvalidParameterValue', 400],
  ['ListQueues', () => ({ MaxResults: 0 }), 'InvalidParameterValue', 400],
  ['ListQueues', () => ({ MaxResults: '5' }), 'InvalidParameterValue', 400],
  ['ListQueues', () => ({ NextToken: '%%%' }), 'InvalidParameterValue', 400],
  ['GetQueueAttributes', () => ({ QueueUrl: url, AttributeNames: ['Nope'] }), 'InvalidAttributeName', 400],
  ['GetQueueAttributes', () => ({}), 'MissingParameter', 400],
  ['SetQueueAttributes', () => ({ QueueUrl: url }), 'MissingParameter', 400],
  [
    'SetQueueAttributes',
    () => ({ QueueUrl: url, Attributes: { MessageRetentionPeriod: '59' } }),
    'InvalidAttributeValue',
    400,
  ],
  [
    'SetQueueAttributes',
    () => ({ QueueUrl: url, Attributes: { RedrivePolicy: 'not json' } }),
    'InvalidAttributeValue',
    400,
  ],
  [
    'SetQueueAttributes',
    () => ({ QueueUrl: url, Attributes: { VisibilityTimeout: '5', Bogus: '1' } }),
    'InvalidAttributeName',
    400,
  ],
  ['DeleteQueue', () => ({ QueueUrl: 'garbage' }), 'InvalidAddress', 404],
  ['DeleteQueue', () => ({ QueueUrl: `${url}-missing` }), 'AWS.SimpleQueueService.NonExistentQueue', 400],
  ['PurgeQueue', () => ({ QueueUrl: `${url}-missing` }), 'AWS.SimpleQueueService.NonExistentQueue', 400],
  ['SendMessage', () => ({ QueueUrl: url }), 'MissingParameter', 400],
  [
    'SendMessage',
    () => ({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 }),
    'InvalidParameterValue',
    400,
  ],
  [
    'SendMessage',
    () => ({ QueueUrl: url, MessageBody: 'x', DelaySeconds: '5' }),
    'InvalidParameterValue',
    400,
  ],
  ['SendMessage', () => ({ QueueUrl: url, MessageBody: 'nul \u0000' }), 'InvalidMessageContents', 400],
  ['SendMessage', () => ({ QueueUrl: url, MessageBody: 'lone \ud800' }), 'InvalidMessageContents', 400],
  ['SendMessage', () => ({ QueueUrl: url, MessageBody: big }), 'InvalidParameterValue', 400],
  [
    'SendMessage',
    () => ({ QueueUrl: url, MessageBody: 'x', MessageAttributes: attributes(11) }),
    'InvalidParameterValue',
    400,
  ],
  [
    'SendMessage',
    () => ({
      QueueUrl: url,
      MessageBody: 'x',
      MessageAttributes: { 'AWS.x': { DataType: 'String', StringValue: 'v' } },
    }),
    'InvalidParameterValue',
    400,
  ],
  [
    'SendMessage',
    () => ({
      QueueUrl: url,
      MessageBody: 'x',
      MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } },
    }),
    'InvalidParameterValue',
    400,
  ],
  [
    'SendMessage',
    () => ({ QueueUrl: `${url}-missing`, MessageBody: 'x' }),
    'AWS.SimpleQueueService.NonExistentQueue',
    400,
  ],
  ['SendMessageBatch', () => ({ QueueUrl: url, Entries: 'x' }), 'InvalidParameterValue', 400],
  ['SendMessageBatch', () => ({ QueueUrl: url }), 'MissingParameter', 400],
  [
    'SendMessageBatch',
    () => ({ QueueUrl: url, Entries: [{ Id: 'bad id!', MessageBody: 'x' }] }),
    'AWS.SimpleQueueService.InvalidBatchEntryId',
    400,
  ],
  [
    'SendMessageBatch',
    () => ({
      QueueUrl: url,
      Entries: [
        { Id: 'a', MessageBody: big.slice(1) },
        { Id: 'b', MessageBody: 'xx' },
      ],
    }),
    'AWS.SimpleQueueService.BatchRequestTooLong',
    400,
  ],
  ['ReceiveMessage', () => ({ QueueUrl: url, MaxNumberOfMessages: 11 }), 'InvalidParameterValue', 400],
  ['ReceiveMessage', () => ({ QueueUrl: url, WaitTimeSeconds: 21 }), 'InvalidParameterValue', 400],
  ['ReceiveMessage', () => ({ QueueUrl: url, VisibilityTimeout: 43_201 }), 'InvalidParameterValue', 400],
  [
    'ReceiveMessage',
    () => ({ QueueUrl: url, MessageSystemAttributeNames: ['Bogus'] }),
    'InvalidAttributeName',
    400,
  ],
  ['DeleteMessage', () => ({ QueueUrl: url }), 'MissingParameter', 400],
  ['DeleteMessage', () => ({ QueueUrl: url, ReceiptHandle: 'abc' }), 'ReceiptHandleIsInvalid', 404],
  [
    'DeleteMessage',
    () => ({ QueueUrl: url, ReceiptHandle: otherQueueHandle }),
    'ReceiptHandleIsInvalid',
    404,
  ],
  [
    'DeleteMessageBatch',
    () => ({ QueueUrl: url, Entries: [] }),
    'AWS.SimpleQueueService.EmptyBatchRequest',
    400,
  ],
  [
    'ChangeMessageVisibility',
    () => ({ QueueUrl: url, ReceiptHandle: otherQueueHandle }),
    'MissingParameter',
    400,
  ],
  [
    'ChangeMessageVisibility',
    () => ({ QueueUrl: `${url}-other`, ReceiptHandle: otherQueueHandle, VisibilityTimeout: 43_201 }),
    'InvalidParameterValue',
    400,
  ],
  [
    'ChangeMessageVisibilityBatch',
    () => ({
      QueueUrl: url,
      Entries: [
        { Id: 'a', ReceiptHandle: otherQueueHandle, VisibilityTimeout: 0 },
        { Id: 'a', ReceiptHandle: otherQueueHandle, VisibilityTimeout: 0 },
      ],
    }),
    'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    400,
  ],
  [
    'ChangeMessageVisibilityBatch',
    () => ({
      QueueUrl: url,
      Entries: Array.from({ length: 11 }, (_, i) => ({
        Id: `e${i}`,
        ReceiptHandle: 'x',
        VisibilityTimeout: 0,
      })),
    }),
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    400,
  ],
  ['TagQueue', () => ({ QueueUrl: url }), 'MissingParameter', 400],
  ['TagQueue', () => ({ QueueUrl: url, Tags: { ['k'.repeat(129)]: 'v' } }), 'InvalidParameterValue', 400],
  [
    'TagQueue',
    () => ({ QueueUrl: url, Tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v'])) }),
    'InvalidParameterValue',
    400,
  ],
  ['UntagQueue', () => ({ QueueUrl: url }), 'MissingParameter', 400],
  ['UntagQueue', () => ({ QueueUrl: url, TagKeys: [1] }), 'InvalidParameterValue', 400],
  ['ListQueueTags', () => ({}), 'MissingParameter', 400],
  ['ListDeadLetterSourceQueues', () => ({ QueueUrl: url, MaxResults: 1001 }), 'InvalidParameterValue', 400],
  ['Frobnicate', () => ({}), 'InvalidAction', 400],
];

const ERROR_NAMES: Record<string, string> = {
  'AWS.SimpleQueueService.NonExistentQueue': 'QueueDoesNotExist',
  'AWS.SimpleQueueService.InvalidBatchEntryId': 'InvalidBatchEntryId',
  'AWS.SimpleQueueService.BatchRequestTooLong': 'BatchRequestTooLong',
  'AWS.SimpleQueueService.EmptyBatchRequest': 'EmptyBatchRequest',
  'AWS.SimpleQueueService.BatchEntryIdsNotDistinct': 'BatchEntryIdsNotDistinct',
  'AWS.SimpleQueueService.TooManyEntriesInBatchRequest': 'TooManyEntriesInBatchRequest',
};

describe('the JSON protocol', () => {
  test.each(
    CASES.map(
      ([action, params, code, status], i) =>
        [`${i}: ${action} → ${code}`, action, params, code, status] as const,
    ),
  )('%s', async (_title, action, params, code, status) => {
    const before = fingerprint(kit.server.dataFile());
    const answer = await jsonRequest(kit.server, action, params());
    expect({ status: answer.status, queryError: answer.queryError }).toEqual({
      status,
      queryError: `${code};Sender`,
    });
    expect(answer.json).toEqual({
      __type: `com.amazonaws.sqs#${ERROR_NAMES[code] ?? code}`,
      message: expect.any(String),
    });
    expect(fingerprint(kit.server.dataFile())).toBe(before);
  });

  test('a body that is not JSON, or not an object, is InvalidParameterValue', async () => {
    for (const body of ['{', '[]', '"x"']) {
      const answer = await jsonRequest(kit.server, 'ListQueues', body);
      expect([body, answer.status, answer.queryError]).toEqual([body, 400, 'InvalidParameterValue;Sender']);
    }
  });
});

/** The same refusals through the query protocol: flattened parameters in, AWS's XML ErrorResponse out. */
const QUERY_CASES: [Record<string, string>, string, number][] = [
  [{ Action: 'CreateQueue' }, 'MissingParameter', 400],
  [
    {
      Action: 'CreateQueue',
      QueueName: 'q2',
      'Attribute.1.Name': 'DelaySeconds',
      'Attribute.1.Value': '901',
    },
    'InvalidAttributeValue',
    400,
  ],
  [{ Action: 'CreateQueue', QueueName: 'q3', 'Attribute.1.Value': '1' }, 'MissingParameter', 400],
  [{ Action: 'ReceiveMessage', QueueUrl: 'URL', MaxNumberOfMessages: 'ten' }, 'InvalidParameterValue', 400],
  [
    { Action: 'SendMessage', QueueUrl: 'URL', MessageBody: 'x', DelaySeconds: '-1' },
    'InvalidParameterValue',
    400,
  ],
  [
    { Action: 'SendMessageBatch', QueueUrl: 'URL', 'SendMessageBatchRequestEntry.1.MessageBody': 'a' },
    'MissingParameter',
    400,
  ],
  [{ Action: 'DeleteMessage', QueueUrl: 'URL', ReceiptHandle: 'nope' }, 'ReceiptHandleIsInvalid', 404],
  [{ Action: 'GetQueueAttributes', QueueUrl: 'URL', 'AttributeName.1': 'Nope' }, 'InvalidAttributeName', 400],
  [{ Version: '2012-11-05' }, 'MissingAction', 400],
  [{ Action: 'Frobnicate' }, 'InvalidAction', 400],
];

describe('the query protocol', () => {
  test.each(
    QUERY_CASES.map(
      ([params, code, status], i) =>
        [`${i}: ${params.Action ?? '(no Action)'} → ${code}`, params, code, status] as const,
    ),
  )('%s', async (_title, params, code, status) => {
    const before = fingerprint(kit.server.dataFile());
    const filled = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v === 'URL' ? url : v]));
    const answer = await queryRequest(kit.server, filled);
    expect({ status: answer.status, type: answer.type }).toEqual({ status, type: 'text/xml' });
    expect(answer.text).toMatch(
      new RegExp(
        `^<\\?xml version="1.0"\\?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>${code.replace(/\./g, '\\.')}</Code><Message>[^<]+</Message><Detail/></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$`,
      ),
    );
    expect(fingerprint(kit.server.dataFile())).toBe(before);
  });
});
