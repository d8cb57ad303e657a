import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/config';
import { FakeClock } from '../../src/engine/clock';
import { createLogger } from '../../src/log';
import { startFerrite, type Ferrite } from '../../src/server';

export const PROJECT_ID = '5e1f0c0ffee0ddba11ca7e01';
export const TOKEN = 'test-token-0123456789abcdef';

export interface TestServer extends Ferrite {
  clock: FakeClock;
  dir: string;
  projectId: string;
  token: string;
  /** `${url}/3/projects/${projectId}` */
  base: string;
  /**
   * A read-only connection to the server's SQLite data file, for checks the API cannot make (fingerprints,
   * recounts). It sees every committed write; the store's own connection is not exposed.
   */
  dataFile(): Database.Database;
  /** Stops the server (the data directory stays, for restarts). */
  stop(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/** A temp directory for one test file's data; kept when `KEEP_TEST_DATA` is set, for post-mortems. */
export function tempDir(prefix = 'ferrite-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * Starts the real server on 127.0.0.1:0 over a real SQLite file in a temp dir, with a FakeClock and the
 * default project (PROJECT_ID/TOKEN). The background worker is off: tests call runOnce(now) themselves.
 */
export async function startServer(
  options: { dir?: string; clock?: FakeClock; env?: Record<string, string>; worker?: boolean } = {},
): Promise<TestServer> {
  const dir = options.dir ?? tempDir();
  const clock = options.clock ?? new FakeClock();
  const config: Config = loadConfig({
    FERRITE_PORT: '0',
    FERRITE_HOST: '127.0.0.1',
    FERRITE_DB_FILE: path.join(dir, 'ferrite.db'),
    FERRITE_PROJECT_ID: PROJECT_ID,
    FERRITE_TOKEN: TOKEN,
    FERRITE_SHUTDOWN_GRACE_MS: '2000',
    ...options.env,
  });
  const ferrite = await startFerrite(config, {
    clock,
    log: createLogger('error', !process.env.FERRITE_TEST_LOGS),
    worker: options.worker ?? false,
    // RESP on any free port, unless the test sets FERRITE_RESP_PORT (0: off).
    ...(options.env?.FERRITE_RESP_PORT === undefined ? { respPort: 0 } : {}),
  });
  const file = config.dbFile;
  let reader: Database.Database | null = null;
  const stop = async () => {
    reader?.close();
    reader = null;
    await ferrite.close();
  };
  return {
    ...ferrite,
    clock,
    dir,
    projectId: PROJECT_ID,
    token: TOKEN,
    base: `${ferrite.url}/3/projects/${PROJECT_ID}`,
    dataFile: () => (reader ??= new Database(file, { readonly: true, fileMustExist: true })),
    stop,
    async destroy() {
      await stop();
      if (!process.env.KEEP_TEST_DATA) rmSync(dir, { recursive: true, force: true });
    },
  };
}
