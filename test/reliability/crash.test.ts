import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { killAll, spawnServer, type ServerProcess } from '../helpers/process';
import { PROJECT_ID, TOKEN, tempDir } from '../helpers/server';
import { PROFILE, report } from './profile';
import { integrity, sizeMismatches } from './store-checks';

/**
 * Crash suite: real server processes take real traffic and are killed with SIGKILL at random moments, then
 * restarted on the same data file. Producers record a message only when its 201 arrived; consumers record a
 * delete only when its 200 arrived. After every kill the file is checked directly, and after the last restart
 * the queue is drained through the API.
 */

const QUEUE = 'crash';
const AUTH = { Authorization: `OAuth ${TOKEN}`, 'Content-Type': 'application/json' };
/** Reservation timeouts, s: short, so that messages held when the server died come back quickly. */
const TIMEOUTS = [1, 2];
const MAX_TIMEOUT_MS = 2000;
/**
 * What each round's kill aims at: it fires right after a request of this kind is sent. Push deliveries and the
 * CrimsonQ operations join this list (with a worker in Round and a check in checkFile) as they are covered.
 */
const FOCUS = ['single-post', 'batch-post', 'reserve', 'delete', 'touch', 'release', 'batch-delete'] as const;
type Focus = (typeof FOCUS)[number];
const DURABILITY = ['full', 'normal', 'off'] as const;

afterEach(killAll);

interface Body {
  k: string;
  pad: string;
  sum: string;
}

const checksum = (key: string, pad: string) =>
  createHash('sha256').update(`${key}:${pad}`).digest('hex').slice(0, 16);

function newBody(key: string): string {
  const pad = randomBytes(Math.floor(Math.random() * 200)).toString('base64');
  return JSON.stringify({ k: key, pad, sum: checksum(key, pad) } satisfies Body);
}

/** The key of a body, or null when the body is not one this suite wrote intact. */
function keyOf(text: string): string | null {
  try {
    const body = JSON.parse(text) as Body;
    return typeof body.k === 'string' && body.sum === checksum(body.k, body.pad) ? body.k : null;
  } catch {
    return null;
  }
}

interface WireMessage {
  id: string;
  body: string;
  reservation_id: string;
  reserved_count: number;
}

/** Everything the clients learned, over all rounds. */
class Ledger {
  /** key → message id, for every post whose 201 arrived. */
  readonly acked = new Map<string, string>();
  /** Keys of posts that got no answer: they may or may not have landed. */
  readonly inDoubtPosts = new Set<string>();
  /** Message ids whose delete got a 200, with the reserved_count of the reservation that deleted them. */
  readonly deleted = new Map<string, number>();
  /** Message ids whose delete got no answer. */
  readonly inDoubtDeletes = new Set<string>();
  readonly violations: string[] = [];
  deliveries = 0;
  touches = 0;
  releases = 0;

  violation(text: string): void {
    if (this.violations.length < 50) this.violations.push(text);
  }

  /** Checks a delivered message: intact body, not deleted before. */
  delivered(message: WireMessage): void {
    this.deliveries++;
    if (keyOf(message.body) === null)
      this.violation(`corrupted body of ${message.id}: ${message.body.slice(0, 80)}`);
    // A response that was slow to arrive may predate the delete; a later reservation has a higher count.
    const deletedAt = this.deleted.get(message.id);
    if (deletedAt !== undefined && message.reserved_count > deletedAt) {
      this.violation(`message ${message.id} delivered again after its delete`);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

class Round {
  running = true;
  private armed = false;
  private killed = false;
  private seq = 0;

  constructor(
    readonly server: ServerProcess,
    readonly ledger: Ledger,
    readonly focus: Focus,
    readonly index: number,
  ) {}

  /** From now on, the next request of the focus kind is followed by the kill within a few ms. */
  arm(): void {
    this.armed = true;
  }

  private sent(kind: Focus): void {
    if (!this.armed || this.killed || kind !== this.focus) return;
    this.killed = true;
    setTimeout(() => this.server.child.kill('SIGKILL'), Math.floor(Math.random() * 4));
  }

  private async call(kind: Focus, method: string, path: string, body: unknown): Promise<Response> {
    const request = fetch(`${this.server.url}/3/projects/${PROJECT_ID}/queues/${QUEUE}${path}`, {
      method,
      headers: AUTH,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    this.sent(kind);
    return request;
  }

  async produce(style: 'single' | 'batch' | 'mixed', worker: number): Promise<void> {
    while (this.running) {
      const count = style === 'single' ? 1 : style === 'batch' ? 100 : pick([1, 3, 100]);
      const keys = Array.from({ length: count }, () => `r${this.index}w${worker}s${this.seq++}`);
      const kind: Focus = count === 1 ? 'single-post' : 'batch-post';
      let res: Response;
      try {
        res = await this.call(kind, 'POST', '/messages', {
          messages: keys.map((k) => ({ body: newBody(k) })),
        });
      } catch {
        for (const key of keys) this.ledger.inDoubtPosts.add(key);
        return;
      }
      const answer = (await res.json().catch(() => null)) as { ids?: string[] } | null;
      if (res.status !== 201 || answer?.ids?.length !== count) {
        this.ledger.violation(`post answered ${res.status} ${JSON.stringify(answer)}`);
        continue;
      }
      keys.forEach((key, i) => this.ledger.acked.set(key, answer.ids![i]!));
    }
  }

  async consume(): Promise<void> {
    while (this.running) {
      let messages: WireMessage[];
      try {
        const res = await this.call('reserve', 'POST', '/reservations', {
          n: pick([1, 1, 5, 10, 100]),
          timeout: pick(TIMEOUTS),
        });
        const answer = (await res.json()) as { messages?: WireMessage[] };
        if (res.status !== 200 || !answer.messages) {
          this.ledger.violation(`reserve answered ${res.status}`);
          continue;
        }
        messages = answer.messages;
      } catch {
        return;
      }
      if (messages.length === 0) {
        await sleep(10);
        continue;
      }
      for (const message of messages) this.ledger.delivered(message);
      if (messages.length > 1 && Math.random() < 0.3) {
        if (!(await this.batchDelete(messages))) return;
        continue;
      }
      // All at once: concurrent deletes, touches and releases share commits, as real consumers' do.
      const handled = await Promise.all(messages.map((message) => this.handle(message)));
      if (handled.includes(false)) return;
    }
  }

  /** Deletes, touches then deletes, releases, or abandons one message. False once the server is gone. */
  private async handle(message: WireMessage): Promise<boolean> {
    const roll = Math.random();
    let reservationId = message.reservation_id;
    try {
      if (roll < 0.1) return true; // abandoned: its reservation times out
      if (roll < 0.2) {
        const res = await this.call('release', 'POST', `/messages/${message.id}/release`, {
          reservation_id: reservationId,
        });
        if (res.status === 200) this.ledger.releases++;
        else if (res.status !== 403)
          this.ledger.violation(`release of a held message answered ${res.status}`);
        return true;
      }
      if (roll < 0.35) {
        const res = await this.call('touch', 'POST', `/messages/${message.id}/touch`, {
          reservation_id: reservationId,
          timeout: pick(TIMEOUTS),
        });
        const answer = (await res.json()) as { reservation_id?: string };
        if (res.status !== 200) {
          if (res.status !== 403) this.ledger.violation(`touch of a held message answered ${res.status}`);
          return true;
        }
        this.ledger.touches++;
        reservationId = answer.reservation_id!;
      }
    } catch {
      return false;
    }
    try {
      const res = await this.call('delete', 'DELETE', `/messages/${message.id}`, {
        reservation_id: reservationId,
      });
      await res.arrayBuffer();
      if (res.status === 200) this.ledger.deleted.set(message.id, message.reserved_count);
      // 403: the reservation ran out while this client was slow; the message is still there, which is right.
      else if (res.status !== 403) this.ledger.violation(`delete of a held message answered ${res.status}`);
      return true;
    } catch {
      this.ledger.inDoubtDeletes.add(message.id);
      return false;
    }
  }

  private async batchDelete(messages: WireMessage[]): Promise<boolean> {
    try {
      const res = await this.call('batch-delete', 'DELETE', '/messages', {
        ids: messages.map((m) => ({ id: m.id, reservation_id: m.reservation_id })),
      });
      await res.arrayBuffer();
      if (res.status === 200) for (const m of messages) this.ledger.deleted.set(m.id, m.reserved_count);
      else if (res.status !== 403) this.ledger.violation(`batch delete answered ${res.status}`);
      return true;
    } catch {
      for (const m of messages) this.ledger.inDoubtDeletes.add(m.id);
      return false;
    }
  }
}

interface FileCheck {
  lost: string[];
  resurrected: string[];
  duplicated: string[];
  problems: string[];
  rows: number;
}

/** Reads the data file of a dead server and checks it against what the clients were told. */
function checkFile(file: string, ledger: Ledger): FileCheck {
  const db = new Database(file);
  try {
    const problems: string[] = [];
    const ok = integrity(db);
    if (ok !== 'ok') problems.push(`integrity_check: ${ok}`);
    for (const m of sizeMismatches(db))
      problems.push(`size of ${m.queue} is ${m.size}, recount ${m.recount}`);
    const queue = db.prepare('SELECT id, total_messages FROM queues WHERE name = ?').get(QUEUE) as
      { id: number; total_messages: number } | undefined;
    const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").pluck().get() as
      number | undefined;
    if (queue && queue.total_messages !== (seq ?? 0)) {
      problems.push(`total_messages is ${queue.total_messages}, ${seq} messages were ever written`);
    }
    const rows = db.prepare('SELECT id, body, state, visible_at FROM messages').all() as {
      id: number;
      body: string;
      state: number;
      visible_at: number;
    }[];
    const present = new Map<string, string>();
    const duplicated: string[] = [];
    const horizon = Date.now() + MAX_TIMEOUT_MS + 1000;
    for (const row of rows) {
      const key = keyOf(row.body);
      if (key === null) {
        problems.push(`row ${row.id} has a corrupted body`);
        continue;
      }
      if (present.has(key)) duplicated.push(key);
      present.set(key, String(row.id));
      const ackedId = ledger.acked.get(key);
      if (ackedId !== undefined && ackedId !== String(row.id)) {
        problems.push(`${key} was acknowledged as ${ackedId} but is stored as ${row.id}`);
      }
      if (ackedId === undefined && !ledger.inDoubtPosts.has(key)) problems.push(`${key} was never posted`);
      if (row.state === 2 && row.visible_at > horizon)
        problems.push(`row ${row.id} is reserved past any timeout`);
    }
    const ids = new Set(present.values());
    const lost: string[] = [];
    for (const [key, id] of ledger.acked) {
      if (!present.has(key) && !ledger.deleted.has(id) && !ledger.inDoubtDeletes.has(id))
        lost.push(`${key}=${id}`);
    }
    const resurrected = [...ledger.deleted.keys()].filter((id) => ids.has(id));
    return { lost, resurrected, duplicated, problems, rows: rows.length };
  } finally {
    db.close();
  }
}

const emptyCheck = (check: FileCheck) => ({
  lost: check.lost.slice(0, 10),
  resurrected: check.resurrected.slice(0, 10),
  duplicated: check.duplicated.slice(0, 10),
  problems: check.problems.slice(0, 10),
});

test(
  `${PROFILE.kills} SIGKILLs under load lose no acknowledged message, resurrect no deleted one, and leave the file sound`,
  async () => {
    const dir = tempDir('ferrite-crash-');
    const file = path.join(dir, 'ferrite.db');
    const envFor = (round: number) => ({
      FERRITE_DB_FILE: file,
      FERRITE_PROJECT_ID: PROJECT_ID,
      FERRITE_TOKEN: TOKEN,
      FERRITE_DURABILITY: DURABILITY[round % DURABILITY.length]!,
    });
    const ledger = new Ledger();
    let rows = 0;

    for (let round = 0; round < PROFILE.kills; round++) {
      const server = await spawnServer(envFor(round));
      if (round === 0) {
        const created = await fetch(`${server.url}/3/projects/${PROJECT_ID}/queues/${QUEUE}`, {
          method: 'PUT',
          headers: AUTH,
          body: '{}',
        });
        expect(created.status).toBe(200);
      }
      const focus = FOCUS[round % FOCUS.length]!;
      const work = new Round(server, ledger, focus, round);
      const workers = Promise.all([
        work.produce('single', 0),
        work.produce('batch', 1),
        work.produce('mixed', 2),
        work.consume(),
        work.consume(),
        work.consume(),
      ]);
      const [low, high] = PROFILE.trafficMs;
      await sleep(low + Math.random() * (high - low));
      work.arm();
      // The armed kill needs a request of the focus kind; if none comes (a starved consumer), kill anyway.
      const fallback = setTimeout(() => server.child.kill('SIGKILL'), 3000);
      const exit = await server.exited;
      clearTimeout(fallback);
      work.running = false;
      await workers;
      expect(exit).toBe('SIGKILL');

      const check = checkFile(file, ledger);
      rows = check.rows;
      expect({ round, focus, ...emptyCheck(check) }).toEqual({
        round,
        focus,
        lost: [],
        resurrected: [],
        duplicated: [],
        problems: [],
      });
      expect(ledger.violations).toEqual([]);
    }

    // Last start: every message that is neither deleted nor held must come back and be deleted exactly once.
    const deletedBeforeDrain = ledger.deleted.size;
    const server = await spawnServer(envFor(PROFILE.kills));
    const drained = await drain(server, ledger);
    expect(drained.violations).toEqual([]);
    expect(ledger.violations).toEqual([]);
    const final = checkFile(file, ledger);
    // Read beside the running server (WAL readers do not block it): the queue must be empty now.
    expect(emptyCheck(final)).toEqual({ lost: [], resurrected: [], duplicated: [], problems: [] });
    expect(final.rows).toBe(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Kept when the test failed (an expect above threw), for a post-mortem of the file.
    if (!process.env.KEEP_TEST_DATA) rmSync(dir, { recursive: true, force: true });

    report('crash', {
      kills: PROFILE.kills,
      acknowledged: ledger.acked.size,
      deletedUnderKills: deletedBeforeDrain,
      deliveries: ledger.deliveries,
      touches: ledger.touches,
      releases: ledger.releases,
      inDoubtPosts: ledger.inDoubtPosts.size,
      inDoubtDeletes: ledger.inDoubtDeletes.size,
      drainedAtEnd: drained.deleted,
      lost: 0,
      resurrected: 0,
      rowsBeforeDrain: rows,
      durabilityModes: DURABILITY.join('/'),
    });
  },
  PROFILE.name === 'long' ? PROFILE.jestTimeoutMs : 30_000,
);

/**
 * Reserves and deletes everything left, four consumers at once, waiting out reservations that were held when a
 * server died. It fails only when nothing can be reserved for longer than any reservation lasts (plus slack)
 * while the queue is not empty: a message held past its timeout.
 */
async function drain(
  server: ServerProcess,
  ledger: Ledger,
): Promise<{ deleted: number; violations: string[] }> {
  const violations: string[] = [];
  const base = `${server.url}/3/projects/${PROJECT_ID}/queues/${QUEUE}`;
  const stallLimitMs = MAX_TIMEOUT_MS + 5000;
  let lastProgress = Date.now();
  let deleted = 0;
  let done = false;
  const sizeOf = async () =>
    ((await (await fetch(base, { headers: AUTH })).json()) as { queue?: { size: number } }).queue?.size ?? 0;
  const consumer = async () => {
    while (!done) {
      const res = await fetch(`${base}/reservations`, {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify({ n: 100, timeout: 30, wait: 1 }),
      });
      const { messages = [] } = (await res.json()) as { messages?: WireMessage[] };
      for (const message of messages) ledger.delivered(message);
      if (messages.length === 0) {
        const size = await sizeOf();
        if (size === 0) done = true;
        else if (Date.now() - lastProgress > stallLimitMs) {
          violations.push(`${size} messages still held ${stallLimitMs} ms after the last one was handed out`);
          done = true;
        }
        continue;
      }
      lastProgress = Date.now();
      const del = await fetch(`${base}/messages`, {
        method: 'DELETE',
        headers: AUTH,
        body: JSON.stringify({ ids: messages.map((m) => ({ id: m.id, reservation_id: m.reservation_id })) }),
      });
      if (del.status !== 200) violations.push(`drain delete answered ${del.status}`);
      for (const m of messages) ledger.deleted.set(m.id, m.reserved_count);
      deleted += messages.length;
    }
  };
  await Promise.all([consumer(), consumer(), consumer(), consumer()]);
  return { deleted, violations };
}
