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
