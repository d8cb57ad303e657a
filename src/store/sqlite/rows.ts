/** The backend-neutral row shapes and mappings (src/store/rows.ts), as the SQLite modules import them. */
export * from '../rows';
