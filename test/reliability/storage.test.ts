import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api } from '../helpers/http';
import { expectMatchesSpec } from '../helpers/openapi';
import { killAll, spawnServer } from '../helpers/process';
import { PROJECT_ID, TOKEN, startServer, tempDir, type TestServer } from '../helpers/server';
import { integrity, sizeMismatches } from './store-checks';

/**
 * Storage failures: a full disk and a read-only data directory, at start and while serving. Writes then get 503
 * with a JSON body (nothing changed, safe to retry), reads keep working, and the file stays sound; a start that
 * cannot write exits non-zero with a message naming the file.
 *
 * The suite runs as root, which ignores permission bits, so read-only is made with what binds root too:
 * `chattr +i` (immutable) and a tmpfs remounted read-only. A full disk is a tmpfs of a few MiB. Where
 * `mount`/`chattr` are not permitted (an unprivileged container), those tests say so and skip.
 */

function run(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A tmpfs of `size` mounted on a new temp dir, or null when mounting is not permitted here. */
function tinyFilesystem(size: string): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferrite-tmpfs-'));
  if (run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])) return dir;
  rmSync(dir, { recursive: true, force: true });
  return null;
}

function unmount(dir: string): void {
  run('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
}

const probe = tinyFilesystem('64k');
const CAN_MOUNT = probe !== null;
if (probe) unmount(probe);
const probeDir = tempDir('ferrite-chattr-');
const CAN_CHATTR = run('chattr', ['+i', probeDir]) && run('chattr', ['-i', probeDir]);
rmSync(probeDir, { recursive: true, force: true });
if (!CAN_MOUNT)
  process.stdout.write(
    'storage suite: mount is not permitted here; disk-full and read-only mounts skipped\n',
  );
if (!CAN_CHATTR)
  process.stdout.write('storage suite: chattr is not available here; immutable files skipped\n');

const withMount = CAN_MOUNT ? test : test.skip;
const withChattr = CAN_CHATTR ? test : test.skip;
const mounts: string[] = [];
const immutable: string[] = [];

/** Temp folders of this file, removed at the end once nothing in them is immutable. */
const folders: string[] = [];

afterEach(() => {
  killAll();
  for (const file of immutable.splice(0)) run('chattr', ['-i', file]);
});
afterAll(() => {
  if (!process.env.KEEP_TEST_DATA) for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});
afterAll(() => {
  for (const dir of mounts.splice(0)) unmount(dir);
});

function checkFile(file: string): { integrity: string; mismatches: unknown[] } {
  const db = new Database(file);
  try {
    return { integrity: integrity(db), mismatches: sizeMismatches(db) };
  } finally {
    db.close();
  }
}

describe('a full disk', () => {
  withMount(
    'writes get 503 JSON while reads go on; acknowledged messages survive; writes resume once space is freed',
    async () => {
      const dir = tinyFilesystem('4m')!;
      mounts.push(dir);
      // Ballast to free later: the only way space comes back on a full disk.
      writeFileSync(path.join(dir, 'ballast'), Buffer.alloc(1024 * 1024));
      const server: TestServer = await startServer({ dir });
      const http = api(server);
      const acked: string[] = [];
      const statuses = new Map<number, number>();
      let refused: Awaited<ReturnType<typeof http.get>> | undefined;
      for (let i = 0; i < 200 && !refused; i++) {
        const res = await http.post('/queues/full/messages').send({
          messages: Array.from({ length: 4 }, (_, j) => ({ body: `${i}-${j}-${'z'.repeat(30_000)}` })),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201) acked.push(...(res.body.ids as string[]));
        else refused = res;
      }

      expect(refused?.status).toBe(503);
      expectMatchesSpec(refused!);
      expect(refused!.headers['retry-after']).toBe('1');
      expect(refused!.body.msg).toMatch(/cannot be written/);
      expect([...statuses.keys()].sort()).toEqual([201, 503]);
      // Reads are served from what is committed.
      const info = await http.get('/queues/full');
      expect(info.status).toBe(200);
      expect(info.body.queue.size).toBe(acked.length);
      for (const id of [acked[0]!, acked[acked.length - 1]!]) {
        expect((await http.get(`/queues/full/messages/${id}`)).status).toBe(200);
      }
      // More writes on the full disk: refused, never a 500. A smaller one may fit in the WAL space the refused
      // write had already taken (SQLite keeps it after the rollback): then it is acknowledged, and must survive.
      for (let i = 0; i < 5; i++) {
        const res = await http
          .post('/queues/full/messages')
          .send({ messages: [{ body: 'z'.repeat(30_000) }] });
        expect([201, 503]).toContain(res.status);
        if (res.status === 201) acked.push(...(res.body.ids as string[]));
      }
      const again503 = await http.post('/queues/full/messages').send({
        messages: Array.from({ length: 4 }, () => ({ body: 'z'.repeat(60_000) })),
      });
      expect(again503.status).toBe(503);
      const reserve = await http.post('/queues/full/reservations').send({ n: 1 });
      expect([200, 503]).toContain(reserve.status);

      rmSync(path.join(dir, 'ballast'));
      const resumed = await http.post('/queues/full/messages').send({ messages: [{ body: 'after' }] });
      expect(resumed.status).toBe(201);
      acked.push(...(resumed.body.ids as string[]));
      await server.stop();

      expect(checkFile(path.join(dir, 'ferrite.db'))).toEqual({ integrity: 'ok', mismatches: [] });
      const again = await startServer({ dir, clock: server.clock });
      expect((await api(again).get('/queues/full')).body.queue.size).toBe(acked.length);
      await again.stop();
    },
    20_000,
  );
});

describe('a data file that becomes read-only while serving', () => {
  // A read-only remount is refused while the server holds the file open for writing (EBUSY), so the files are
  // made immutable instead: writes through the open descriptors then fail with EPERM, as on a read-only disk.
  withChattr('writes get 503 JSON, reads go on, and writes resume when it is writable again', async () => {
    const dir = tempDir('ferrite-ro-');
    folders.push(dir);
    const server = await startServer({ dir });
    const http = api(server);
    expect((await http.post('/queues/ro/messages').send({ messages: [{ body: 'before' }] })).status).toBe(
      201,
    );
    const files = ['ferrite.db', 'ferrite.db-wal'].map((name) => path.join(dir, name));

    for (const file of files) {
      expect(run('chattr', ['+i', file])).toBe(true);
      immutable.push(file);
    }
    const refused = await http.post('/queues/ro/messages').send({ messages: [{ body: 'during' }] });
    const read = await http.get('/queues/ro');
    for (const file of files) run('chattr', ['-i', file]);
    const resumed = await http.post('/queues/ro/messages').send({ messages: [{ body: 'after' }] });

    expectMatchesSpec(refused);
    expect(refused.status).toBe(503);
    expect(refused.body.msg).toMatch(/cannot be written/);
    expect(read.status).toBe(200);
    expect(read.body.queue.size).toBe(1);
    expect(resumed.status).toBe(201);
    expect((await http.get('/queues/ro')).body.queue.size).toBe(2);
    await server.stop();
    expect(checkFile(path.join(dir, 'ferrite.db'))).toEqual({ integrity: 'ok', mismatches: [] });
  });
});

describe('a start that cannot write its data file', () => {
  const env = (file: string) => ({
    FERRITE_DB_FILE: file,
    FERRITE_PROJECT_ID: PROJECT_ID,
    FERRITE_TOKEN: TOKEN,
  });

  /** Starts a server once on `file`, so that the file exists, and stops it cleanly. */
  async function createFile(file: string): Promise<void> {
    const first = await spawnServer(env(file));
    // One answered request first: the SIGTERM handler is installed only after the "listening" line.
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  }

  async function expectRefusedStart(file: string): Promise<string> {
    const failed = spawnServer(env(file));
    const error = await failed.then(
      () => null,
      (e: Error) => e.message,
    );
    expect(error).toMatch(/server exited/);
    expect(error).toContain('ferrite: failed to start: cannot open the data file');
    expect(error).toContain(file);
    return error!;
  }

  withChattr('an immutable data directory: exits non-zero, naming the file', async () => {
    const dir = tempDir('ferrite-ro-');
    folders.push(dir);
    run('chattr', ['+i', dir]);
    immutable.push(dir);

    await expectRefusedStart(path.join(dir, 'ferrite.db'));
  });

  withChattr(
    'an existing data file that is immutable: exits non-zero instead of serving read-only',
    async () => {
      const dir = tempDir('ferrite-ro-');
      folders.push(dir);
      const file = path.join(dir, 'ferrite.db');
      await createFile(file);
      run('chattr', ['+i', file]);
      immutable.push(file);

      expect(await expectRefusedStart(file)).toMatch(/EPERM|not permitted/);
    },
  );

  withMount('a data file on a read-only mount: exits non-zero', async () => {
    const dir = tinyFilesystem('16m')!;
    mounts.push(dir);
    const file = path.join(dir, 'ferrite.db');
    await createFile(file);
    expect(run('mount', ['-o', 'remount,ro', dir])).toBe(true);

    expect(await expectRefusedStart(file)).toMatch(/EROFS|read-only/);
  });

  withMount('a full disk on first start: exits non-zero', async () => {
    const dir = tinyFilesystem('256k')!;
    mounts.push(dir);
    run('dd', ['if=/dev/zero', `of=${path.join(dir, 'fill')}`, 'bs=4k']);

    await expectRefusedStart(path.join(dir, 'ferrite.db'));
  });

  test('a data folder that cannot be created: exits non-zero', async () => {
    const file = '/proc/ferrite-no-such-dir/ferrite.db';
    const error = await expectRefusedStart(file);
    expect(error).toMatch(/ENOENT|EACCES|EPERM/);
  });
});
