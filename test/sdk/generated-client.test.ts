import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { SPEC_FILE } from '../helpers/openapi';
import { startServer, type TestServer } from '../helpers/server';

/**
 * The generated-SDK proof: a TypeScript client is generated from openapi.yaml with openapi-typescript, a program
 * written against it is type-checked strictly, then compiled and run through openapi-fetch against the real
 * server: post → reserve → touch → delete. A spec that disagrees with the server fails here twice, at compile
 * time (a field missing or mistyped) and at run time (a status or body the types do not expect).
 *
 * The generated files go to node_modules/.cache, a temp dir that module resolution walks up from (so
 * `openapi-fetch` resolves) and that tsc, ESLint, Prettier and git all ignore.
 */

// Two TypeScript compilations and a generator run: seconds each on a busy two-core machine.
jest.setTimeout(60_000);

const REPO = path.resolve(__dirname, '..', '..');
const CACHE = path.join(REPO, 'node_modules', '.cache');
/** openapi-typescript's command line, as a user runs it (its CommonJS build cannot load inside Jest). */
const GENERATOR = path.join(REPO, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');

/** Written the way a user of the generated SDK would write it. */
const PROGRAM = `import createClient from 'openapi-fetch';
import type { paths } from './api';

const MESSAGES = '/3/projects/{project_id}/queues/{queue_name}/messages';
const MESSAGE = '/3/projects/{project_id}/queues/{queue_name}/messages/{message_id}';

export async function roundTrip(baseUrl: string, projectId: string, token: string, queue: string) {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: \`OAuth \${token}\` } });
  const queuePath = { project_id: projectId, queue_name: queue };

  const posted = await client.POST(MESSAGES, {
    params: { path: queuePath },
    body: { messages: [{ body: 'hello from a generated client' }] },
  });
  if (!posted.data) throw new Error(\`post: \${posted.response.status}\`);
  const ids: string[] = posted.data.ids;

  const reserved = await client.POST('/3/projects/{project_id}/queues/{queue_name}/reservations', {
    params: { path: queuePath },
    body: { n: 1, timeout: 30 },
  });
  if (!reserved.data) throw new Error(\`reserve: \${reserved.response.status}\`);
  const message = reserved.data.messages[0];
  if (!message) throw new Error('reserve returned no message');
  const messagePath = { ...queuePath, message_id: message.id };

  const touched = await client.POST('/3/projects/{project_id}/queues/{queue_name}/messages/{message_id}/touch', {
    params: { path: messagePath },
    body: { reservation_id: message.reservation_id, timeout: 60 },
  });
  if (!touched.data) throw new Error(\`touch: \${touched.response.status}\`);
  const reservationId: string = touched.data.reservation_id;

  // The reservation id from before the touch is refused: the error comes back typed as the documented body.
  const stale = await client.DELETE(MESSAGE, {
    params: { path: messagePath },
    body: { reservation_id: message.reservation_id },
  });
  const staleMsg: string | undefined = stale.error?.msg;

  const deleted = await client.DELETE(MESSAGE, {
    params: { path: messagePath },
    body: { reservation_id: reservationId },
  });
  if (!deleted.data) throw new Error(\`delete: \${deleted.response.status}\`);

  const info = await client.GET('/3/projects/{project_id}/queues/{queue_name}', { params: { path: queuePath } });
  if (!info.data) throw new Error(\`get queue: \${info.response.status}\`);

  return {
    ids,
    reserved: { id: message.id, body: message.body, reservedCount: message.reserved_count },
    touchedNewReservation: reservationId !== message.reservation_id,
    stale: { status: stale.response.status, msg: staleMsg },
    deleted: deleted.data.msg,
    queue: { size: info.data.queue.size, total: info.data.queue.total_messages },
  };
}
`;

interface RoundTrip {
  roundTrip: (
    baseUrl: string,
    projectId: string,
    token: string,
    queue: string,
  ) => Promise<{
    ids: string[];
    reserved: { id: string; body: string; reservedCount: number };
    touchedNewReservation: boolean;
    stale: { status: number; msg: string | undefined };
    deleted: string;
    queue: { size: number; total: number };
  }>;
}

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startServer();
  mkdirSync(CACHE, { recursive: true });
  dir = mkdtempSync(path.join(CACHE, 'ferrite-sdk-'));
  // `--default-non-nullable false`: request fields with a default (`delay`, `n`, `wait`) stay optional.
  await promisify(execFile)(
    process.execPath,
    [GENERATOR, SPEC_FILE, '--default-non-nullable', 'false', '-o', path.join(dir, 'api.d.ts')],
    { cwd: REPO },
  );
});
afterAll(async () => {
  await server.destroy();
  if (!process.env.KEEP_TEST_DATA) rmSync(dir, { recursive: true, force: true });
});

/** Type-checks and compiles PROGRAM against the generated types; returns tsc's diagnostics as text. */
function compile(file: string): string[] {
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    outDir: dir,
  });
  const emitted = program.emit();
  return [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
}

test('a client generated from openapi.yaml posts, reserves, touches and deletes against the real server', async () => {
  const source = path.join(dir, 'client.ts');
  writeFileSync(source, PROGRAM);

  expect(compile(source)).toEqual([]);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { roundTrip } = require(path.join(dir, 'client.js')) as RoundTrip;
  const result = await roundTrip(server.url, server.projectId, server.token, 'sdk queue');
  expect(result).toEqual({
    ids: [expect.stringMatching(/^\d+$/)],
    reserved: { id: result.ids[0], body: 'hello from a generated client', reservedCount: 1 },
    touchedNewReservation: true,
    stale: { status: 403, msg: expect.stringMatching(/reservation/i) },
    deleted: 'Deleted',
    queue: { size: 0, total: 1 },
  });
});

test('a program that misuses the generated client does not compile', () => {
  const source = path.join(dir, 'wrong.ts');
  writeFileSync(
    source,
    `import createClient from 'openapi-fetch';
import type { paths } from './api';
const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:1' });
export const wrong = client.POST('/3/projects/{project_id}/queues/{queue_name}/messages', {
  params: { path: { project_id: 'p', queue_name: 'q' } },
  body: { messages: [{ text: 'the field is called body' }] },
});
`,
  );
  expect(compile(source).join('\n')).toMatch(/text/);
});
