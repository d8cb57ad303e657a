import pg from 'pg';
import { clientConfig } from './connection';
import { migrate } from './migrate';

/** A PostgreSQL database `ferrite copy` writes into, over one connection. */
export interface ImportTarget {
  readonly client: pg.Client;
  /** The tables among `tables` that hold rows. */
  occupiedTables(tables: readonly string[]): Promise<string[]>;
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

export async function openImport(url: string, now: number): Promise<ImportTarget> {
  const client = new pg.Client(
    clientConfig({ url, poolSize: 1, statementTimeoutMs: 600_000, connectTimeoutMs: 10_000 }),
  );
  await client.connect();
  try {
    await migrate(client, now);
  } catch (error) {
    await client.end();
    throw error;
  }
  const count = async (table: string) =>
    Number((await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  return {
    client,
    async occupiedTables(tables) {
      const occupied: string[] = [];
      // The maintenance lease is a row of server_settings that nodes write on their own: not data.
      for (const table of tables) {
        const found = await client.query(
          table === 'server_settings'
            ? "SELECT 1 FROM server_settings WHERE key <> 'maintenance_leader' LIMIT 1"
            : `SELECT 1 FROM ${table} LIMIT 1`,
        );
        if ((found.rowCount ?? 0) > 0) occupied.push(table);
      }
      return occupied;
    },
    count,
    close: () => client.end(),
  };
}

/**
 * Inserts every table's rows, batch by batch, in one transaction: a failure leaves the database as empty as it
 * was. Each batch is one statement (json_populate_recordset maps the JSON rows onto the table's own types).
 * Then the id counters move past `counters` (the highest id each table ever gave), so ids are never reused.
 */
export async function importTables(
  target: ImportTarget,
  tables: readonly {
    table: string;
    columns: readonly string[];
    batches: Iterable<Record<string, unknown>[]>;
  }[],
  counters: Record<string, number>,
): Promise<void> {
  const { client } = target;
  await client.query('BEGIN');
  try {
    for (const { table, columns, batches } of tables) {
      const list = columns.join(', ');
      // Params: the rows as a JSON array of objects keyed by column.
      const insert = `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, $1)`;
      for (const batch of batches) await client.query(insert, [JSON.stringify(batch)]);
    }
    for (const [table, highest] of Object.entries(counters)) {
      if (highest > 0) {
        // Params: the last id given. The identity continues after it.
        await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), $1)`, [highest]);
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
