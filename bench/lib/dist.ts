import { createRequire } from 'node:module';
import path from 'node:path';

/** The repository root: this file runs as dist/bench/lib/dist.js (see bench/build.mjs). */
export const ROOT = path.resolve(__dirname, '../../..');

const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));

/**
 * Loads a module of the built server (dist/, from `npm run build`), typed by its source. The bench measures
 * what `npm start` runs; it does not compile its own copy of src/.
 */
function fromDist<T>(module: string): T {
  return requireFromRoot(path.join(ROOT, 'dist', module)) as T;
}

export const dist = {
  server: () => fromDist<typeof import('../../src/server')>('server.js'),
  config: () => fromDist<typeof import('../../src/config/config')>('config/config.js'),
  clock: () => fromDist<typeof import('../../src/engine/clock')>('engine/clock.js'),
  log: () => fromDist<typeof import('../../src/log')>('log.js'),
  projects: () => fromDist<typeof import('../../src/engine/projects')>('engine/projects.js'),
  sqliteStore: () =>
    fromDist<typeof import('../../src/store/sqlite/sqlite-store')>('store/sqlite/sqlite-store.js'),
};

/** The project and token every bench server is started with (FERRITE_PROJECT_ID / FERRITE_TOKEN). */
export const PROJECT = 'be0c0ffee0ddba11ca7e0001';
export const TOKEN = 'bench-token-0123456789';
