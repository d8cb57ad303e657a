import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sqsKitForFile } from './sqs-kit';

/**
 * The query protocol with a second real client: Debian's AWS CLI (package `awscli`, 2.9), whose bundled
 * botocore speaks SQS's query protocol (form-encoded `Action=…`, XML answers; its service model says
 * `"protocol":"query"`). Its requests are SigV4-signed with a key Ferrite issued, so the server verifies
 * form-body signatures too. .ci/run installs the package; without it this suite fails rather than skips.
 */

const AWS = '/usr/bin/aws';
const run = promisify(execFile);
const kit = sqsKitForFile();
let home = '';

beforeAll(() => {
  home = mkdtempSync(path.join(tmpdir(), 'ferrite-awscli-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Runs `aws sqs …` against the server; resolves with the parsed JSON output (or null when it printed nothing). */
async function aws(args: string[], credentials?: { id: string; secret: string }): Promise<unknown> {
  const { stdout } = await run(AWS, ['sqs', ...args, '--endpoint-url', kit.server.url, '--output', 'json'], {
    env: {
      PATH: '/usr/bin:/bin',
      HOME: home,
      LANG: 'C.UTF-8',
      AWS_ACCESS_KEY_ID: credentials?.id ?? kit.key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials?.secret ?? kit.key.secret,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: path.join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    },
  });
  return stdout.trim() === '' ? null : JSON.parse(stdout);
}

test("Debian's AWS CLI is installed (apt-get install awscli) and speaks the query protocol", async () => {
  expect(existsSync(AWS)).toBe(true);
  const { stdout } = await run(AWS, ['--version']);
  expect(stdout).toMatch(/^aws-cli\/2\./);
  const model = readFileSync(
    '/usr/lib/python3/dist-packages/awscli/botocore/data/sqs/2012-11-05/service-2.json',
    'utf8',
  );
  expect((JSON.parse(model) as { metadata: { protocol: string } }).metadata.protocol).toBe('query');
});

test('an AWS CLI session: create, send with attributes, receive, attributes, list, delete, batch; errors as SQS codes', async () => {
  const created = (await aws([
    'create-queue',
    '--queue-name',
    'cli-jobs',
    '--attributes',
    'VisibilityTimeout=40',
    '--tags',
    'team=ops',
  ])) as {
    QueueUrl: string;
  };
  expect(created.QueueUrl).toBe(kit.queueUrl('cli-jobs'));
  expect(await aws(['get-queue-url', '--queue-name', 'cli-jobs'])).toEqual({ QueueUrl: created.QueueUrl });
  const url = created.QueueUrl;

  const sent = (await aws([
    'send-message',
    '--queue-url',
    url,
    '--message-body',
    'hello from the cli <&> ✓',
    '--message-attributes',
    '{"kind":{"DataType":"String","StringValue":"greeting"},"n":{"DataType":"Number","StringValue":"7"}}',
  ])) as Record<string, string>;
  expect(sent).toEqual({
    MD5OfMessageBody: expect.stringMatching(/^[0-9a-f]{32}$/),
    MD5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
    MessageId: expect.any(String),
  });

  const received = (await aws([
    'receive-message',
    '--queue-url',
    url,
    '--attribute-names',
    'All',
    '--message-attribute-names',
    'All',
    '--max-number-of-messages',
    '10',
  ])) as { Messages: Record<string, unknown>[] };
  expect(received.Messages).toEqual([
    {
      MessageId: sent.MessageId,
      ReceiptHandle: expect.any(String),
      MD5OfBody: sent.MD5OfMessageBody,
      Body: 'hello from the cli <&> ✓',
      Attributes: {
        SenderId: kit.server.projectId,
        SentTimestamp: expect.any(String),
        ApproximateReceiveCount: '1',
        ApproximateFirstReceiveTimestamp: expect.any(String),
      },
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      MessageAttributes: {
        kind: { StringValue: 'greeting', DataType: 'String' },
        n: { StringValue: '7', DataType: 'Number' },
      },
    },
  ]);

  const attributes = (await aws([
    'get-queue-attributes',
    '--queue-url',
    url,
    '--attribute-names',
    'All',
  ])) as {
    Attributes: Record<string, string>;
  };
  expect(attributes.Attributes).toMatchObject({
    ApproximateNumberOfMessages: '0',
    ApproximateNumberOfMessagesNotVisible: '1',
    VisibilityTimeout: '40',
    QueueArn: `arn:aws:sqs:us-east-1:${kit.server.projectId}:cli-jobs`,
  });
  expect(await aws(['list-queue-tags', '--queue-url', url])).toEqual({ Tags: { team: 'ops' } });
  expect(await aws(['list-queues', '--queue-name-prefix', 'cli-'])).toEqual({ QueueUrls: [url] });

  const handle = String(received.Messages[0]!.ReceiptHandle);
  expect(await aws(['delete-message', '--queue-url', url, '--receipt-handle', handle])).toBeNull();

  const batch = (await aws([
    'send-message-batch',
    '--queue-url',
    url,
    '--entries',
    'Id=a,MessageBody=first',
    'Id=b,MessageBody=second,DelaySeconds=5',
  ])) as { Successful: { Id: string }[]; Failed?: unknown[] };
  expect(batch.Successful.map((entry) => entry.Id)).toEqual(['a', 'b']);

  // IronMQ's scheme through the CLI as well: `<project_id>:<token>` and any secret.
  const ironmq = { id: `${kit.server.projectId}:${kit.server.token}`, secret: 'ignored' };
  const purged = await aws(['purge-queue', '--queue-url', url], ironmq);
  expect(purged).toBeNull();

  // An error comes back as SQS's code, which the CLI prints.
  await expect(aws(['get-queue-url', '--queue-name', 'no-such-queue'])).rejects.toMatchObject({
    stderr: expect.stringContaining('AWS.SimpleQueueService.NonExistentQueue'),
  });
  await expect(
    aws(['list-queues'], { id: kit.key.accessKeyId, secret: 'wrong-secret' }),
  ).rejects.toMatchObject({
    stderr: expect.stringContaining('SignatureDoesNotMatch'),
  });
}, 120_000);
