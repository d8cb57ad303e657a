import Database from 'better-sqlite3';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { tempDir } from '../helpers/server';
import { describeStoreContract } from './store-contract';

let file = '';
describeStoreContract('SQLite (file, synchronous=FULL)', {
  open: () => {
    file = path.join(tempDir(), 'contract.db');
    return openSqliteStore({ file, durability: 'full', now: 0 });
  },
  sibling: () => openSqliteStore({ file, durability: 'full', now: 0 }),
});

/** Migration 0005 on a data file written before it: each message's current status gets its last update time. */
test('0005_status_history: messages stored before it show the time of their current status', async () => {
  const dir = tempDir();
  const dataFile = path.join(dir, 'before.db');
  const T0 = Date.UTC(2026, 0, 1);
  const store = await openSqliteStore({ file: dataFile, durability: 'off', now: T0 });
  await store.createProject({ id: 'cccccccccccccccccccccccc', name: 'p', createdAt: T0 });
  const project = 'cccccccccccccccccccccccc';
  const { ids } = (await store.postMessages(
    project,
    'q',
    ['waiting', 'held', 'released'].map((body) => ({ body, delay: 0, pushHeaders: null })),
    T0,
  )) as { ids: string[] };
  await store.close();
  // As the file was before 0005: the columns absent, the migration not recorded, two messages moved later.
  const db = new Database(dataFile);
  for (const column of ['pending_at', 'active_at', 'delayed_at', 'failed_at', 'completed_at']) {
    db.exec(`ALTER TABLE messages DROP COLUMN ${column}`);
  }
  db.prepare("DELETE FROM schema_migrations WHERE id = '0005_status_history'").run();
  db.prepare('UPDATE messages SET state = 2, visible_at = ?, updated_at = ? WHERE id = ?').run(
    T0 + 60_000,
    T0 + 5_000,
    Number(ids[1]),
  );
  db.prepare('UPDATE messages SET updated_at = ? WHERE id = ?').run(T0 + 7_000, Number(ids[2]));
  db.close();

  const migrated = await openSqliteStore({ file: dataFile, durability: 'off', now: T0 });
  try {
    expect(migrated.migrationsApplied).toEqual(['0005_status_history']);
    const times = async (id: string) =>
      ((await migrated.getMessage(project, 'q', id, T0 + 10_000)) as { statusTimes: object }).statusTimes;
    expect(await times(ids[0]!)).toEqual({});
    expect(await times(ids[1]!)).toEqual({ active: T0 + 5_000 });
    expect(await times(ids[2]!)).toEqual({ pending: T0 + 7_000 });
  } finally {
    await migrated.close();
  }
});
