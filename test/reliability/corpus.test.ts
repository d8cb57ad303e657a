import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestServer } from '../helpers/server';
import { sendCase, type HostileCase, type HostileContext } from './hostile-requests';
import { healthy, startHostileServer } from './hostile-server';

/**
 * The regression corpus: the nastiest hostile requests, kept as JSON in corpus/ (a case the fuzzer finds can be
 * pasted there as printed). Each must keep the fuzzer's invariants and, where pinned, answer its status.
 */

const CORPUS_DIR = path.join(__dirname, 'corpus');

const cases: [string, HostileCase][] = readdirSync(CORPUS_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .flatMap((file) =>
    (JSON.parse(readFileSync(path.join(CORPUS_DIR, file), 'utf8')) as HostileCase[]).map(
      (c, i): [string, HostileCase] => [
        `${file} #${i + 1}: ${c.note ?? c.method + ' ' + c.path.slice(0, 60)}`,
        c,
      ],
    ),
  );

let server: TestServer;
let context: () => Promise<HostileContext>;

beforeAll(async () => {
  ({ server, context } = await startHostileServer());
});
afterAll(() => server.destroy());

test('the corpus is not empty', () => {
  expect(cases.length).toBeGreaterThanOrEqual(30);
});

test.each(cases)('%s', async (_name, c) => {
  server.clock.advance(1000);

  const verdict = await sendCase(c, await context());

  expect(verdict.problems).toEqual([]);
  expect(await healthy(server)).toBe(true);
});
