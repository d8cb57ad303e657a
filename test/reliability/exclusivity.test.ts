import { spawnServer, killAll } from '../helpers/process';
import { PROJECT_ID, TOKEN, startServer, tempDir, type TestServer } from '../helpers/server';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { LONG, PROFILE, report } from './profile';
import { fingerprint } from './store-checks';

/**
 * Exclusivity suite: many reservers at once, with short timeouts that run out while requests are in flight.
 * Every hold is logged as (id, reservation_id, start, end); the server's own answer gives both ends exactly
 * (`reserved_until` minus `timeout`). No two holds of one message may overlap, a deleted message is never held
 * again, and stale reservation ids are refused by delete, touch and release without changing anything.
 */

const QUEUE = 'exclusive';
const TIMEOUTS = [1, 2, 3];

interface WireMessage {
  id: string;
  reservation_id: string;
  reserved_until: string;
  timeout: number;
  reserved_count: number;
}

/** One reservation and what happened to it. `end` is a lower bound of when the holder stopped holding. */
interface Hold {
  id: string;
  reservationId: string;
  /** Every reservation id this hold had (touch replaces it). */
  ids: string[];
  start: number;
  end: number;
  /** An upper bound of the same: once the clock passes it, the reservation id is certainly stale. */
  endAtMost: number;
  reservedCount: number;
  deleted: boolean;
}

interface Target {
  url: string;
  /** The server's clock, as far as the client can read it: never ahead of the server's. */
  now(): number;
  /** Moves a fake clock on while requests run; absent for a real clock. */
  tick?: () => void;
  /** Everything a stale request could change (only with access to the data file). */
  fingerprint?: () => string;
  /** Longest real pause between a reserver's rounds, so that real reservations run out meanwhile. */
  pauseMs?: number;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

class Scenario {
  readonly holds: Hold[] = [];
  readonly problems: string[] = [];
  readonly counts = { reserves: 0, touches: 0, releases: 0, deletes: 0, staleRefused: 0 };

  constructor(
    readonly target: Target,
    readonly n: number,
  ) {}

  private async call(
    method: string,
    path: string,
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.target.url}/3/projects/${PROJECT_ID}/queues/${QUEUE}${path}`, {
      method,
      headers: { Authorization: `OAuth ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  problem(text: string): void {
    if (this.problems.length < 30) this.problems.push(text);
  }

  async fill(count: number): Promise<void> {
    for (let i = 0; i < count; i += 100) {
      const messages = Array.from({ length: Math.min(100, count - i) }, (_, j) => ({ body: `m${i + j}` }));
      const res = await this.call('POST', '/messages', { messages });
      expect(res.status).toBe(201);
    }
  }

  async reserver(iterations: number): Promise<void> {
    for (let i = 0; i < iterations; i++) {
      const res = await this.call('POST', '/reservations', { n: this.n, timeout: pick(TIMEOUTS) });
      if (res.status !== 200) {
        this.problem(`reserve answered ${res.status} ${JSON.stringify(res.body)}`);
        return;
      }
      this.counts.reserves++;
      const holds = (res.body.messages as WireMessage[]).map((m) => {
        const end = Date.parse(m.reserved_until);
        const hold: Hold = {
          id: m.id,
          reservationId: m.reservation_id,
          ids: [m.reservation_id],
          start: end - m.timeout * 1000,
          end,
          endAtMost: end,
          reservedCount: m.reserved_count,
          deleted: false,
        };
        this.holds.push(hold);
        return hold;
      });
      await Promise.all(holds.map((hold) => this.act(hold)));
      if (this.target.pauseMs)
        await new Promise((resolve) => setTimeout(resolve, Math.random() * this.target.pauseMs!));
    }
  }

  /** Leaves, deletes, touches or releases a hold, each with its current reservation id. */
  private async act(hold: Hold): Promise<void> {
    const roll = Math.random();
    if (roll < 0.3) return;
    const before = this.target.now();
    const reservation_id = hold.reservationId;
    if (roll < 0.6) {
      const res = await this.call('DELETE', `/messages/${hold.id}`, { reservation_id });
      if (res.status === 200) {
        this.counts.deletes++;
        hold.deleted = true;
        hold.end = before;
        hold.endAtMost = this.target.now();
      } else this.expectExpired(hold, res.status, 'delete', before);
    } else if (roll < 0.8) {
      const timeout = pick(TIMEOUTS);
      const res = await this.call('POST', `/messages/${hold.id}/touch`, { reservation_id, timeout });
      if (res.status === 200) {
        this.counts.touches++;
        hold.reservationId = res.body.reservation_id as string;
        hold.ids.push(hold.reservationId);
        // The touch replaces the end (a shorter timeout shortens the hold): at least `before + timeout`.
        hold.end = before + timeout * 1000;
        hold.endAtMost = this.target.now() + timeout * 1000;
      } else this.expectExpired(hold, res.status, 'touch', before);
    } else {
      const res = await this.call('POST', `/messages/${hold.id}/release`, { reservation_id });
      if (res.status === 200) {
        this.counts.releases++;
        hold.end = Math.min(hold.end, before);
        hold.endAtMost = this.target.now();
      } else this.expectExpired(hold, res.status, 'release', before);
    }
  }

  /** A refusal is right only if the reservation could have run out by the time the server looked. */
  private expectExpired(hold: Hold, status: number, what: string, before: number): void {
    // 404: it ran out, and another holder deleted it since.
    if (status !== 403 && status !== 404) {
      this.problem(`${what} of ${hold.id} with its own reservation answered ${status}`);
    } else if (this.target.now() < hold.end) {
      this.problem(
        `${what} of ${hold.id} refused although its reservation ran until ${hold.end} (now ${before})`,
      );
    }
  }

  /** No overlapping holds of one message, nothing held after its delete, counts increasing, ids unique. */
  checkHolds(): void {
    const byId = new Map<string, Hold[]>();
    const reservationIds = new Set<string>();
    for (const hold of this.holds) {
      for (const id of hold.ids) {
        if (reservationIds.has(id)) this.problem(`reservation id ${id} issued twice`);
        reservationIds.add(id);
      }
      const list = byId.get(hold.id) ?? [];
      list.push(hold);
      byId.set(hold.id, list);
    }
    for (const [id, list] of byId) {
      list.sort((a, b) => a.start - b.start);
      for (let i = 1; i < list.length; i++) {
        const a = list[i - 1]!;
        const b = list[i]!;
        if (a.deleted) this.problem(`message ${id} held again at ${b.start} after its delete at ${a.end}`);
        if (b.start < a.end) {
          this.problem(
            `message ${id} held by ${a.reservationId} until ${a.end} and by ${b.reservationId} from ${b.start}`,
          );
        }
        if (b.reservedCount <= a.reservedCount) this.problem(`reserved_count of ${id} did not increase`);
      }
    }
  }

  /** With nothing running: every reservation id that is over is refused by delete, touch and release. */
  async checkStale(sample: number): Promise<void> {
    const now = this.target.now();
    const stale = this.holds
      .flatMap((hold) =>
        hold.ids
          .slice(0, -1)
          .map((rid) => ({ hold, rid }))
          .concat(hold.endAtMost <= now || hold.deleted ? [{ hold, rid: hold.reservationId }] : []),
      )
      .sort(() => Math.random() - 0.5)
      .slice(0, sample);
    const before = this.target.fingerprint?.();
    for (const { hold, rid } of stale) {
      const body = { reservation_id: rid };
      for (const [method, path] of [
        ['DELETE', `/messages/${hold.id}`],
        ['POST', `/messages/${hold.id}/touch`],
        ['POST', `/messages/${hold.id}/release`],
        ['DELETE', `/messages/${hold.id}/touch`],
        ['DELETE', `/messages/${hold.id}/release`],
      ] as const) {
        const res = await this.call(method, path, body);
        if (res.status === 403 || res.status === 404) this.counts.staleRefused++;
        else this.problem(`${method} ${path} with stale ${rid} answered ${res.status}`);
      }
      const batch = await this.call('DELETE', '/messages', { ids: [{ id: hold.id, reservation_id: rid }] });
      if (batch.status === 403 || batch.status === 404) this.counts.staleRefused++;
      else this.problem(`batch delete of ${hold.id} with stale ${rid} answered ${batch.status}`);
    }
    if (before !== undefined) {
      const after = this.target.fingerprint!();
      if (after !== before) this.problem(`stale requests changed the store:\n${before}\n${after}`);
    }
  }
}

async function run(target: Target, n: number): Promise<Scenario> {
  const scenario = new Scenario(target, n);
  await scenario.fill(PROFILE.exclusivityMessages);
  for (let round = 0; round < PROFILE.exclusivityRounds; round++) {
    let ticking = target.tick !== undefined;
    const ticker = (async () => {
      while (ticking) {
        target.tick!();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    // A reserve of 100 starts up to 100 deletes, touches and releases: fewer of them say as much.
    const iterations = n > 1 ? Math.ceil(PROFILE.reserverIterations / 2) : PROFILE.reserverIterations;
    await Promise.all(Array.from({ length: PROFILE.reservers }, () => scenario.reserver(iterations)));
    ticking = false;
    await ticker;
    await scenario.checkStale(PROFILE.staleSample);
    const size = await fetch(`${target.url}/3/projects/${PROJECT_ID}/queues/${QUEUE}`, {
      headers: { Authorization: `OAuth ${TOKEN}` },
    }).then((res) => res.json() as Promise<{ queue: { size: number } }>);
    if (size.queue.size < PROFILE.exclusivityMessages / 4)
      await scenario.fill(PROFILE.exclusivityMessages / 2);
  }
  scenario.checkHolds();
  return scenario;
}

describe.each([1, 100])('reservers asking for n=%d', (n) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { FERRITE_DURABILITY: 'off' } });
    const created = await fetch(`${server.base}/queues/${QUEUE}`, {
      method: 'PUT',
      headers: { Authorization: `OAuth ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ queue: { message_timeout: 1 } }),
    });
    expect(created.status).toBe(200);
  });
  afterAll(() => server.destroy());

  test(
    `${PROFILE.reservers} concurrent reservers with a clock that jumps ahead never share a message and stale ids change nothing`,
    async () => {
      const scenario = await run(
        {
          url: server.url,
          now: () => server.clock.now(),
          tick: () => server.clock.advance(Math.floor(Math.random() * 250)),
          fingerprint: () => fingerprint(server.dataFile()),
        },
        n,
      );

      expect(scenario.problems).toEqual([]);
      expect(scenario.holds.length).toBeGreaterThan(PROFILE.reservers);
      report(`exclusivity n=${n} (fake clock)`, {
        holds: scenario.holds.length,
        ...scenario.counts,
        overlaps: 0,
      });
    },
    PROFILE.jestTimeoutMs,
  );
});

// With real time the expiry races are the machine's, not the test's; seconds of waiting, so long profile only.
(LONG ? describe : describe.skip)('a real server process with a real clock', () => {
  afterEach(killAll);

  test.each([1, 100])(
    'n=%d: concurrent reservers never share a message',
    async (n) => {
      const dir = tempDir('ferrite-exclusive-');
      const server = await spawnServer({
        FERRITE_DB_FILE: path.join(dir, 'ferrite.db'),
        FERRITE_PROJECT_ID: PROJECT_ID,
        FERRITE_TOKEN: TOKEN,
      });
      await fetch(`${server.url}/3/projects/${PROJECT_ID}/queues/${QUEUE}`, {
        method: 'PUT',
        headers: { Authorization: `OAuth ${TOKEN}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      // Date.now() here and in the server read the same clock, and the client reads it first.
      const scenario = await run({ url: server.url, now: () => Date.now(), pauseMs: 1500 }, n);

      expect(scenario.problems).toEqual([]);
      report(`exclusivity n=${n} (real clock)`, {
        holds: scenario.holds.length,
        ...scenario.counts,
        overlaps: 0,
      });
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      if (!process.env.KEEP_TEST_DATA) rmSync(dir, { recursive: true, force: true });
    },
    PROFILE.jestTimeoutMs,
  );
});
