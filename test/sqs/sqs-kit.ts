import { SQSClient } from '@aws-sdk/client-sqs';
import { FakeClock } from '../../src/engine/clock';
import { createSqsKey } from '../../src/engine/sqs-keys';
import { startServer, type TestServer } from '../helpers/server';

// The SDK warns once that Node 20 leaves its support window; the tests run on Node 20 and 24 alike.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * An SQS test kit: the real server (real SQLite file) with a FakeClock that starts at the real time (SigV4
 * signatures carry the client's clock, which the server compares with its own), and real AWS SDK clients
 * pointed at it: one with IronMQ's `<project_id>:<token>` key, one with a SigV4 key from `createSqsKey`.
 */
export interface SqsKit {
  server: TestServer;
  /** IronMQ's scheme: access key id `<project_id>:<token>`, any secret. */
  sqs: SQSClient;
  /** A key Ferrite issued: requests are verified SigV4 signatures. */
  signed: SQSClient;
  key: { accessKeyId: string; secret: string };
  client(
    credentials: { accessKeyId: string; secretAccessKey: string },
    options?: { maxAttempts?: number },
  ): SQSClient;
  /** `{base}/{project_id}/{name}`, as the server builds queue URLs. */
  queueUrl(name: string): string;
}

export function sqsClient(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  options: { maxAttempts?: number } = {},
): SQSClient {
  return new SQSClient({
    endpoint: url,
    region: 'us-east-1',
    credentials,
    maxAttempts: options.maxAttempts ?? 1,
  });
}

/** One server and its clients for a whole test file (started in beforeAll, stopped in afterAll). */
export function sqsKitForFile(env: Record<string, string> = {}): SqsKit {
  const kit = {} as SqsKit;
  beforeAll(async () => {
    kit.server = await startServer({
      clock: new FakeClock(Date.now()),
      env: { FERRITE_DURABILITY: 'off', ...env },
    });
    kit.client = (credentials, options) => sqsClient(kit.server.url, credentials, options);
    kit.sqs = kit.client({
      accessKeyId: `${kit.server.projectId}:${kit.server.token}`,
      secretAccessKey: 'ignored',
    });
    kit.key = await createSqsKey(kit.server.engine, kit.server.projectId, 'tests');
    kit.signed = kit.client({ accessKeyId: kit.key.accessKeyId, secretAccessKey: kit.key.secret });
    kit.queueUrl = (name) => `${kit.server.url}/${kit.server.projectId}/${encodeURIComponent(name)}`;
  });
  afterAll(async () => {
    kit.sqs.destroy();
    kit.signed.destroy();
    await kit.server.destroy();
  });
  return kit;
}
