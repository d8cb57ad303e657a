import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../../src/cli/commands';
import { FakeClock } from '../../src/engine/clock';
import { api } from '../helpers/http';
import { startServer, tempDir, type TestServer } from '../helpers/server';
import { integrity, sizeMismatches } from '../reliability/store-checks';

/**
 * `ferrite backup` while the server runs and writes, and `ferrite restore` into a stopped server's data path,
 * on real data files with the real server.
 */

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');

interface Run {
  code: number;
  out: string[];
  err: string[];
  progress: string;
}

/** `ferrite <argv>` in-process on the data file `dbFile`, capturing what it prints and its progress bar. */
async function ferrite(dbFile: string, ...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  let progress = '';
  const code = await runCli(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { FERRITE_DB_FILE: dbFile },
    clock: new FakeClock(),
    progress: { interactive: false, write: (text) => (progress += text) },
  });
  return { code, out, err, progress };
}

const dbOf = (server: TestServer) => path.join(server.dir, 'ferrite.db');

describe('a backup under a steady write load', () => {
  test('restores into a server with every message acknowledged before it began, and passes the restart invariants', async () => {
    const server = await startServer();
    const http = api(server);
    // A data file big enough that the copy takes a while: 60,000 messages of 400 bytes, filled through the store.
    const body = 'x'.repeat(400);
    for (let i = 0; i < 60; i++) {
      await server.store.postMessages(
        server.projectId,
        'bulk',
        Array.from({ length: 1000 }, () => ({ body, delay: 0, pushHeaders: null })),
        server.clock.now(),
      );
    }

    type Phase = 'before' | 'during' | 'after';
    let phase: Phase = 'before';
    const acked: Record<Phase, string[]> = { before: [], during: [], after: [] };
    const deleted: Record<Phase, string[]> = { before: [], during: [], after: [] };
    /** Deletes sent whose answer came in another phase than the one they were sent in: in doubt. */
    const inDoubt = new Set<string>();
    let running = true;

    const producer = async (n: number) => {
      for (let i = 0; running; i++) {
        const sent: Phase = phase;
        const res = await http
          .post('/queues/live/messages')
          .send({ messages: [{ body: `p${n}-${i}a` }, { body: `p${n}-${i}b` }] });
        expect(res.status).toBe(201);
        // An answer that arrives in a later phase than it was sent: the write may have landed in either.
        (sent === phase ? acked[phase] : acked.during).push(...(res.body.ids as string[]));
      }
    };
    const consumer = async () => {
      while (running) {
        const res = await http.post('/queues/live/reservations').send({ n: 3 });
        for (const m of res.body.messages as { id: string; reservation_id: string }[]) {
          const sent: Phase = phase;
          inDoubt.add(m.id);
          const del = await http
            .delete(`/queues/live/messages/${m.id}`)
            .send({ reservation_id: m.reservation_id });
          expect(del.status).toBe(200);
          if (sent === phase) {
            deleted[phase].push(m.id);
            inDoubt.delete(m.id);
          }
        }
      }
    };
    const load = Promise.all([producer(1), producer(2), producer(3), consumer()]);
    while (acked.before.length < 200 || deleted.before.length < 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const backupFile = path.join(tempDir('ferrite-backup-'), 'snapshot.db');
    phase = 'during';
    const started = performance.now();
    const backup = await ferrite(dbOf(server), 'backup', backupFile);
    const seconds = (performance.now() - started) / 1000;
    phase = 'after';
    const afterStart = acked.after.length;
    while (acked.after.length < afterStart + 20) await new Promise((resolve) => setTimeout(resolve, 20));
    running = false;
    await load;
    await server.destroy();

    expect(backup.err).toEqual([]);
    expect(backup.code).toBe(0);
    expect(backup.out.join('\n')).toMatch(
      /^Backed up .* to .*snapshot\.db: [\d.]+ MiB, 2 queues, [\d,]+ messages, schema \d{4}_\w+, integrity ok/,
    );
    // The bar went from 0% to 100% in tenths, in MiB.
    expect(backup.progress).toMatch(/\[\.{30}\]\s+0%\s+[\d.]+\/[\d.]+ MiB/);
    expect(backup.progress).toMatch(/\[#{30}\] 100%/);
    // The server kept answering writes while the copy was made.
    expect(acked.during.length).toBeGreaterThan(0);

    const restoredDir = tempDir('ferrite-restored-');
    const restoredFile = path.join(restoredDir, 'ferrite.db');
    const restore = await ferrite(restoredFile, 'restore', backupFile);
    expect(restore.err).toEqual([]);
    expect(restore.code).toBe(0);

    const restored = await startServer({ dir: restoredDir });
    const again = api(restored);
    const gone = new Set([...deleted.before, ...deleted.during, ...deleted.after, ...inDoubt]);
    // Every message acknowledged before the backup began, and not deleted, is there …
    const kept = acked.before.filter((id) => !gone.has(id));
    expect(kept.length).toBeGreaterThan(0);
    for (const id of kept) expect((await again.get(`/queues/live/messages/${id}`)).status).toBe(200);
    // … every delete acknowledged before it began stays deleted, and nothing posted after it ended is there.
    for (const id of deleted.before)
      expect((await again.get(`/queues/live/messages/${id}`)).status).toBe(404);
    for (const id of acked.after) expect((await again.get(`/queues/live/messages/${id}`)).status).toBe(404);
    expect((await again.get('/queues/bulk')).body.queue.size).toBe(60_000);
    // And the restored server takes new work.
    await again
      .post('/queues/live/messages')
      .send({ messages: [{ body: 'after restore' }] })
      .expect(201);
    await restored.stop();

    const db = new Database(restoredFile, { readonly: true });
    expect(integrity(db)).toBe('ok');
    expect(sizeMismatches(db)).toEqual([]);
    const messages = db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
    db.close();
    await restored.destroy();

    // The figures of this run, for the record (README "Backup and restore").
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(
      path.join(ARTIFACTS, 'backup-under-load.json'),
      JSON.stringify(
        {
          bytes: statSync(backupFile).size,
          seconds: Number(seconds.toFixed(2)),
          messagesInBackup: messages - 1,
          writesAnsweredDuringBackup: acked.during.length,
          messagesBeforeBackup: acked.before.length,
        },
        null,
        2,
      ),
    );
  }, 120_000);
});

describe('backup', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startServer();
    await api(server)
      .post('/queues/q/messages')
      .send({ messages: [{ body: 'one' }] })
      .expect(201);
    dir = tempDir('ferrite-backup-');
  });
  afterAll(() => server.destroy());

  test('refuses to replace a file unless --force', async () => {
    const file = path.join(dir, 'exists.db');
    writeFileSync(file, 'keep me');
    const refused = await ferrite(dbOf(server), 'backup', file);
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toContain(`${file} exists: give --force to replace it`);
    expect(readFileSync(file, 'utf8')).toBe('keep me');

    const forced = await ferrite(dbOf(server), 'backup', file, '--force', '--quiet');
    expect(forced.code).toBe(0);
    expect(forced.progress).toBe('');
    expect(forced.out.join('\n')).toContain('1 queue, 1 message');
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  test.each([
    [[], 'backup needs exactly one file, got 0'],
    [['a.db', 'b.db'], 'backup needs exactly one file, got 2'],
    [['a.db', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('bad usage %j is refused with exit code 2 and the usage', async (args, message) => {
    const run = await ferrite(dbOf(server), 'backup', ...args);
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toContain(message);
    expect(run.err.join('\n')).toContain('backup <file> [--force]');
    expect(existsSync(path.join(process.cwd(), 'a.db'))).toBe(false);
  });

  test('a PostgreSQL store is left to its own tools', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['backup', path.join(dir, 'pg.db')], {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env: { FERRITE_DATABASE_URL: 'postgres://ferrite@127.0.0.1:1/ferrite' },
      clock: new FakeClock(),
    });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('back it up with pg_dump or pg_basebackup');
    expect(existsSync(path.join(dir, 'pg.db'))).toBe(false);
  });

  test('a missing data file, or the data file itself as target, is refused and nothing is written', async () => {
    const missing = await ferrite(path.join(dir, 'nothing.db'), 'backup', path.join(dir, 'out.db'));
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toContain('No data file at');
    expect(existsSync(path.join(dir, 'out.db'))).toBe(false);
    const itself = await ferrite(dbOf(server), 'backup', dbOf(server), '--force');
    expect(itself.code).toBe(1);
    expect(itself.err.join('\n')).toContain('The backup cannot be the data file itself');
  });
});

describe('restore', () => {
  let backupFile: string;
  let dir: string;
  beforeAll(async () => {
    const server = await startServer();
    await api(server)
      .post('/queues/q/messages')
      .send({ messages: [{ body: 'one' }] })
      .expect(201);
    dir = tempDir('ferrite-restore-');
    backupFile = path.join(dir, 'good.db');
    expect((await ferrite(dbOf(server), 'backup', backupFile, '-q')).code).toBe(0);
    await server.destroy();
  });

  test('refuses to replace an existing data file without --force, and one a running server has open even with it', async () => {
    const server = await startServer();
    const target = dbOf(server);
    const plain = await ferrite(target, 'restore', backupFile);
    expect(plain.code).toBe(1);
    expect(plain.err.join('\n')).toContain('exists: stop the server and give --force to replace it');
    const forced = await ferrite(target, 'restore', backupFile, '--force');
    expect(forced.code).toBe(1);
    expect(forced.err.join('\n')).toContain('is open in a running server: stop it first');
    // The running server did not notice, and its data file is still its own (no queue "q").
    expect((await api(server).get('/queues').expect(200)).body.queues).toEqual([]);
    await server.stop();
    const untouched = new Database(target, { readonly: true });
    expect(untouched.prepare('SELECT count(*) FROM queues').pluck().get()).toBe(0);
    untouched.close();

    const stopped = await ferrite(target, 'restore', backupFile, '--force');
    expect(stopped.code).toBe(0);
    expect(stopped.out[0]).toMatch(/^Restored .*good\.db into .*: [\d.]+ MiB, 1 queue, 1 message, schema/);
    const restarted = await startServer({ dir: server.dir });
    expect((await api(restarted).get('/queues/q/messages?n=5')).body.messages).toEqual([
      expect.objectContaining({ body: 'one' }),
    ]);
    await restarted.destroy();
  });

  /** Each bad backup, made in the test's folder. */
  const bad: [string, (file: string) => void, RegExp][] = [
    [
      'a text file',
      (f) => writeFileSync(f, 'not a database at all, just some text'),
      /not a SQLite data file|cannot be opened/,
    ],
    [
      'a SQLite file that is not Ferrite’s',
      (f) => {
        const db = new Database(f);
        db.exec('CREATE TABLE t (a)');
        db.close();
      },
      /a SQLite file, but not a Ferrite data file/,
    ],
    [
      'a damaged backup',
      (f) => {
        writeFileSync(f, readFileSync(backupFile));
        const bytes = readFileSync(f);
        // Page 2's b-tree page type becomes one that does not exist; page 1 (the schema) still opens.
        const pageSize = bytes.readUInt16BE(16);
        bytes[pageSize] = 0xff;
        writeFileSync(f, bytes);
      },
      /integrity_check|malformed|not a SQLite data file/,
    ],
    [
      'a live data file with its write-ahead log',
      (f) => {
        writeFileSync(f, readFileSync(backupFile));
        writeFileSync(`${f}-wal`, 'pending writes');
      },
      /has a write-ahead log next to it: it is a live data file, not a backup/,
    ],
    [
      'a backup from a newer Ferrite',
      (f) => {
        writeFileSync(f, readFileSync(backupFile));
        const db = new Database(f);
        db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, 0)').run('9999_future');
        db.close();
      },
      /has schema 9999_future, newer than this Ferrite knows/,
    ],
  ];

  test.each(bad)('refuses %s, exit code 1, and writes nothing', async (_what, make, message) => {
    const file = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.db`);
    make(file);
    const targetDir = tempDir('ferrite-restore-target-');
    const target = path.join(targetDir, 'ferrite.db');
    const run = await ferrite(target, 'restore', file, '--force');
    expect(run.code).toBe(1);
    expect(run.err.join('\n')).toMatch(message);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.partial`)).toBe(false);
  });

  test('a missing backup and bad usage are refused', async () => {
    const target = path.join(tempDir('ferrite-restore-target-'), 'ferrite.db');
    const missing = await ferrite(target, 'restore', path.join(dir, 'nope.db'));
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toContain('No backup at');
    const usage = await ferrite(target, 'restore');
    expect(usage.code).toBe(2);
    expect(usage.err.join('\n')).toContain('restore needs exactly one file, got 0');
    expect(existsSync(target)).toBe(false);
  });
});
