import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import path from 'node:path';
import { runCli } from '../../src/cli/commands';
import { FakeClock } from '../../src/engine/clock';
import { sqsKitForFile } from './sqs-kit';

/** `ferrite sqs-key create <project_id>` prints a key the running server verifies; list and revoke manage it. */

const kit = sqsKitForFile();

function cli() {
  const lines: string[] = [];
  const errors: string[] = [];
  const run = (...argv: string[]) =>
    runCli(argv, {
      out: (line) => lines.push(line),
      err: (line) => errors.push(line),
      env: { FERRITE_DB_FILE: path.join(kit.server.dir, 'ferrite.db') },
      clock: new FakeClock(),
    });
  return { run, lines, errors };
}

test('a created key signs requests the server accepts; list shows it without the secret; revoked, it is refused', async () => {
  const { run, lines } = cli();
  expect(await run('sqs-key', 'create', kit.server.projectId, '--name', 'deploy')).toBe(0);
  const accessKeyId = /AWS_ACCESS_KEY_ID=(\S+)/.exec(lines.join('\n'))![1]!;
  const secretAccessKey = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(lines.join('\n'))![1]!;
  expect(accessKeyId).toMatch(/^FKIA[A-Z2-7]{16}$/);
  expect(secretAccessKey).toHaveLength(40);
  const client = kit.client({ accessKeyId, secretAccessKey });
  await client.send(new ListQueuesCommand({}));

  lines.length = 0;
  expect(await run('sqs-key', 'list', kit.server.projectId)).toBe(0);
  expect(lines.join('\n')).toContain(`${accessKeyId}  ${kit.server.projectId}  deploy  active`);
  expect(lines.join('\n')).not.toContain(secretAccessKey);

  expect(await run('sqs-key', 'revoke', accessKeyId)).toBe(0);
  await expect(client.send(new ListQueuesCommand({}))).rejects.toMatchObject({
    name: 'InvalidClientTokenId',
  });
  expect(await run('sqs-key', 'revoke', accessKeyId)).toBe(1);
  client.destroy();
});

test('sqs-key create refuses a missing or unknown project with exit code 2', async () => {
  const { run, errors } = cli();
  expect(await run('sqs-key', 'create')).toBe(2);
  expect(await run('sqs-key', 'create', 'ffffffffffffffffffffffff')).toBe(2);
  expect(errors.join('\n')).toContain('No project ffffffffffffffffffffffff');
});
