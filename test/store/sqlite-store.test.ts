import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { tempDir } from '../helpers/server';
import { describeStoreContract } from './store-contract';

describeStoreContract('SQLite (file, synchronous=FULL)', () =>
  openSqliteStore({ file: path.join(tempDir(), 'contract.db'), durability: 'full', now: 0 }),
);
