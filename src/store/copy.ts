import { exportTable, openExport, type ExportSource } from './sqlite/export';
import { importTables, openImport, type ImportTarget } from './postgres/import';

/**
 * The tables `ferrite copy` moves, in an order that satisfies their foreign keys, with the columns both
 * backends share (migrations/sqlite and migrations/postgres: the same names and meanings). PostgreSQL's own
 * bookkeeping (queue_topics.position) is filled by its defaults, in the order rows arrive.
 */
export const COPIED_TABLES: readonly { table: string; columns: readonly string[] }[] = [
  { table: 'projects', columns: ['id', 'name', 'created_at', 'topics_version'] },
  { table: 'tokens', columns: ['id', 'project_id', 'token_hash', 'name', 'created_at', 'revoked_at'] },
  {
    table: 'queues',
    columns: [
      'id',
      'project_id',
      'name',
      'type',
      'message_timeout',
      'message_expiration',
      'dead_letter_queue',
      'dead_letter_max',
      'extra',
      'size',
      'total_messages',
      'created_at',
      'updated_at',
      'on_timeout',
      'overdue_timeout',
      'max_in_flight',
      'retain_completed',
      'idle_expiry',
      'last_active_at',
      'settings_version',
      'activity_size',
    ],
  },
  { table: 'queue_topics', columns: ['queue_id', 'filter'] },
  {
    table: 'messages',
    columns: [
      'id',
      'queue_id',
      'state',
      'visible_at',
      'body',
      'reserved_count',
      'reservation_id',
      'reservation_timeout',
      'delay',
      'push_headers',
      'error',
      'created_at',
      'updated_at',
      'expires_at',
      'topic',
      'pending_at',
      'active_at',
      'delayed_at',
      'failed_at',
      'completed_at',
      'attributes',
      'first_reserved_at',

      'dead_letter_from',
    ],
  },
  {
    table: 'queue_activity',
    columns: [
      'queue_id',
      'resolution',
      'bucket_start',
      'posted',
      'reserved',
      'deleted',
      'expired',
      'dead_lettered',
      'size',
    ],
  },
  {
    table: 'push_deliveries',
    columns: [
      'message_id',
      'subscriber',
      'queue_id',
      'position',
      'url',
      'headers',
      'status',
      'status_code',
      'error',
      'tries',
      'retries_remaining',
      'due_at',
      'last_try_at',
      'reservation_id',
      'leased_until',
    ],
  },
  { table: 'alert_state', columns: ['queue_id', 'alert_id', 'armed', 'level', 'last_fired_at'] },
  { table: 'server_settings', columns: ['key', 'value'] },
  {
    table: 'sqs_keys',
    columns: ['access_key_id', 'project_id', 'secret', 'name', 'created_at', 'revoked_at'],
  },
];

/** Tables whose ids come from a counter that must continue after the copied ones (ids are never reused). */
export const ID_TABLES = ['queues', 'messages'] as const;

export interface CopyReport {
  /** Rows per table: read from the SQLite file, and counted in PostgreSQL after the copy. */
  tables: { table: string; source: number; target: number }[];
}

export class CopyRefused extends Error {}

/**
 * Copies a SQLite data file into an empty PostgreSQL database (migrated first), all in one PostgreSQL
 * transaction: projects, tokens, queues with their settings, messages in every state with their reservations
 * and delays, push deliveries, alert and consumer state, topic filters, server settings. Ids are kept, and
 * the id counters continue after the highest id the file ever gave. Refuses a database that holds any data.
 * Verifies the row counts on both sides after the commit.
 */
export async function copySqliteToPostgres(options: {
  file: string;
  url: string;
  now: number;
}): Promise<CopyReport> {
  const source: ExportSource = openExport(options.file);
  let target: ImportTarget | null = null;
  try {
    target = await openImport(options.url, options.now);
    const occupied = await target.occupiedTables(COPIED_TABLES.map((t) => t.table));
    if (occupied.length > 0) {
      throw new CopyRefused(
        `the target database is not empty (${occupied.join(', ')} hold rows): copy only into an empty database`,
      );
    }
    const counters = Object.fromEntries(ID_TABLES.map((table) => [table, source.highestId(table)]));
    await importTables(
      target,
      COPIED_TABLES.map(({ table, columns }) => ({
        table,
        columns,
        batches: exportTable(source, table, columns),
      })),
      counters,
    );
    const tables: CopyReport['tables'] = [];
    for (const { table } of COPIED_TABLES) {
      tables.push({ table, source: source.count(table), target: await target.count(table) });
    }
    return { tables };
  } finally {
    source.close();
    await target?.close();
  }
}
