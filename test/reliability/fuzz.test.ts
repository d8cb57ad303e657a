import fc from 'fast-check';
import type { TestServer } from '../helpers/server';
import { hostileCase } from './hostile-arbitraries';
import {
  isCrimsonqTarget,
  isSqsCandidate,
  sendCase,
  type HostileCase,
  type HostileContext,
} from './hostile-requests';
import { healthy, startHostileServer } from './hostile-server';
import { PROFILE, report } from './profile';

/**
 * Hostile-input fuzzer: fast-check generates requests over every operation of openapi.yaml — methods, paths
 * with encoding tricks, credentials, content types and encodings, mutated and broken bodies, chunked, lying,
 * split and truncated framing — and checks the invariants of src/http: never a 5xx, every 4xx a JSON
 * `{"msg": …}` (text, an error code or a JWT text, from the CrimsonQ API), a refused request changes nothing, and the server keeps answering. A failing case is printed as
 * JSON, ready to be added to corpus/.
 */

/** JSON of a case with every string over 120 characters shortened. */
function compact(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'string' && item.length > 120 ? `${item.slice(0, 60)}…(${item.length} chars)` : item,
  );
}

let server: TestServer;
let context: () => Promise<HostileContext>;

beforeAll(async () => {
  ({ server, context } = await startHostileServer());
});
afterAll(() => server.destroy());

test(
  `${PROFILE.fuzzRuns} generated hostile requests: no 5xx, JSON (or CrimsonQ text) 4xx, refused requests change nothing`,
  async () => {
    const statuses = new Map<string, number>();
    let tried = 0;
    let serverErrors = 0;
    let crimsonq = 0;
    let sqs = 0;
    // fc.check, not fc.assert: a counterexample can hold 200 KiB of body, so it is printed compacted.
    const outcome = await fc.check(
      fc.asyncProperty(hostileCase, async (c: HostileCase) => {
        tried++;
        if (isCrimsonqTarget(c.path)) crimsonq++;
        if (c.method === 'POST' && isSqsCandidate(c.path)) sqs++;
        server.clock.advance(1000);
        const verdict = await sendCase(c, await context());
        const key = String(verdict.status);
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (typeof verdict.status === 'number' && verdict.status >= 500) serverErrors++;
        if (tried % 25 === 0 && !(await healthy(server))) {
          verdict.problems.push('the server stopped answering /healthz');
        }
        if (verdict.problems.length > 0) throw new Error(verdict.problems.join('\n').slice(0, 2000));
      }),
      { numRuns: PROFILE.fuzzRuns, endOnFailure: PROFILE.name === 'fast' },
    );
    if (outcome.failed) {
      const [c] = outcome.counterexample ?? [];
      throw new Error(
        `hostile case failed (seed ${outcome.seed}, path ${outcome.counterexamplePath}):\n` +
          `${outcome.errorInstance instanceof Error ? outcome.errorInstance.message : String(outcome.errorInstance)}\n` +
          `case (long strings shortened; add it to corpus/ with the repeat form):\n${compact(c)}`,
      );
    }
    expect(await healthy(server)).toBe(true);
    report('fuzz', {
      cases: tried,
      crimsonq,
      sqs,
      fiveHundreds: serverErrors,
      statuses: [...statuses]
        .sort()
        .map(([status, count]) => `${status}:${count}`)
        .join(','),
    });
  },
  PROFILE.jestTimeoutMs,
);
