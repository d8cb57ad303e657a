/**
 * The layers of src/ (docs/design.md, "Layers"): imports only point inward.
 *
 *   http/, resp/, worker/  →  engine/  →  store/ (the interfaces: store.ts, wakeups.ts, leadership.ts)  →  domain/
 *                                          store/sqlite/, store/postgres/ (implementations) → store interface → domain/
 *
 * main.ts, server.ts, app.ts, cli/ and config/ compose the layers and may import any of them. `npm test` runs
 * this check (`npm run layers`); a violation fails it.
 */
const layer = (name) => `^src/${name}/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Modules that import each other cannot be understood or tested one at a time.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-the-bottom',
      comment: 'domain/ holds types, errors, limits and pure rules: it imports nothing of ours but itself.',
      severity: 'error',
      from: { path: layer('domain') },
      to: { path: '^src/', pathNot: layer('domain') },
    },
    {
      name: 'store-below-engine',
      comment:
        'A store applies the domain rules inside its transactions; it never calls up into the engine or a protocol.',
      severity: 'error',
      from: { path: layer('store') },
      to: { path: ['^src/(engine|http|resp|worker|cli|config)/', '^src/(main|server|app)\\.ts$'] },
    },
    {
      name: 'engine-below-protocols',
      comment: 'The engine knows no protocol and no worker: no req/res, no status codes, no RESP frames.',
      severity: 'error',
      from: { path: layer('engine') },
      to: { path: ['^src/(http|resp|worker|cli|config)/', '^src/(main|server|app)\\.ts$'] },
    },
    {
      name: 'engine-sees-the-store-interface-only',
      comment:
        'The engine works with any backend: it imports the Store and Wakeups interfaces, never an implementation.',
      severity: 'error',
      from: { path: layer('engine') },
      to: { path: layer('store'), pathNot: '^src/store/(store|wakeups|leadership)\\.ts$' },
    },
    {
      name: 'protocols-go-through-the-engine',
      comment: 'http/, resp/ and worker/ reach the data only through engine operations.',
      severity: 'error',
      from: { path: ['^src/(http|resp|worker)/'] },
      to: { path: layer('store') },
    },
    {
      name: 'protocols-are-side-by-side',
      comment: 'Each protocol stands alone over the engine; shared wire texts belong in domain/.',
      severity: 'error',
      from: { path: '^src/(http|resp)/' },
      to: { path: '^src/(resp|http)/', pathNot: '^src/$1/' },
    },
    {
      name: 'store-implementations-apart',
      comment: 'One backend never reaches into another.',
      severity: 'error',
      from: { path: '^src/store/(sqlite|postgres)/' },
      to: { path: '^src/store/(sqlite|postgres)/', pathNot: '^src/store/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    moduleSystems: ['cjs', 'es6'],
  },
};
