import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { loadConfig, type Config } from '../config/config';
import type { Clock } from '../engine/clock';
import { FerriteError } from '../domain/errors';
import { createProject, createToken, listProjects, listTokens, revokeToken } from '../engine/projects';
import { CopyRefused, copySqliteToPostgres } from '../store/copy';
import { createSqsKey, listSqsKeys, revokeSqsKey } from '../engine/sqs-keys';
import { openStore } from '../store/open-store';
import { DATA_FILE_USAGE, isDataFileCommand, runDataFileCommand } from './backup';
import type { ProgressSink } from './client/progress';
import { CLIENT_USAGE, isClientCommand, runClient } from './client/run-client';

const USAGE = `Usage: ferrite <command> [options]

Administration of a Ferrite data file (FERRITE_DB_FILE, default ./data/ferrite.db). Safe while the server runs.

  migrate                              apply pending migrations
  project create [--name N] [--id ID]  create a project with one token; prints IRON_* settings
  project list                         list projects
  token create <project_id> [--name N] create another token for a project (shown once)
  token list [project_id]              list tokens (ids and names, never the tokens)
  token revoke <token_id>              revoke a token; it stops working at once
  copy [--from FILE] [--to URL]        copy a SQLite data file (default FERRITE_DB_FILE) into an empty PostgreSQL
                                       database (default FERRITE_DATABASE_URL), then verify the row counts
  sqs-key create <project_id> [--name N]  create an SQS (SigV4) access key and secret (secret shown once)
  sqs-key list [project_id]            list SQS access keys (never the secrets)
  sqs-key revoke <access_key_id>       revoke an SQS access key; it stops working at once

${DATA_FILE_USAGE}
${CLIENT_USAGE}`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Where progress bars go; default stderr (redrawn in place on a terminal). */
  progress?: ProgressSink;
}

/** Runs one CLI command; returns the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Client commands talk to a running server: their own options, and the data file is not opened.
  if (isClientCommand(argv[0])) return runClient(argv, io);
  // Backup and restore must not open (and so create or migrate) the data file the way the commands below do.
  if (isDataFileCommand(argv[0])) return runDataFileCommand(argv, io);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      id: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action, arg] = positionals;
  if (values.help || group === undefined || group === 'help') {
    io.out(USAGE);
    return group === undefined && !values.help ? 1 : 0;
  }
  const config = loadConfig(io.env);
  if (group === 'copy') return copy(config, values, io);
  const { store } = await openStore(config.store, {
    now: io.clock.now(),
    maxWaiters: 0,
    clock: () => io.clock.now(),
    elect: false,
    writer: 'inline',
  });
  const deps = { store, clock: io.clock };
  try {
    switch (`${group} ${action ?? ''}`.trim()) {
      case 'migrate': {
        // Opening the store migrates it; report what that did.
        const applied = store.migrationsApplied;
        io.out(applied.length === 0 ? 'Migrations are up to date.' : `Applied ${applied.join(', ')}.`);
        return 0;
      }
      case 'project create': {
        const created = await createProject(deps, { name: values.name, id: values.id });
        io.out(`Project ${created.project.id} (${created.project.name}), token id ${created.tokenId}:`);
        io.out(`  IRON_PROJECT_ID=${created.project.id}`);
        io.out(`  IRON_TOKEN=${created.token}`);
        io.out('The token is shown only this once.');
        return 0;
      }
      case 'project list': {
        for (const project of await listProjects(deps)) {
          io.out(`${project.id}  ${project.name}  created ${new Date(project.createdAt).toISOString()}`);
        }
        return 0;
      }
      case 'token create': {
        if (!arg) throw new UsageError('token create needs a project id');
        const { token, tokenId } = await createToken(deps, arg, values.name ?? 'cli');
        io.out(`Token id ${tokenId} for project ${arg}:`);
        io.out(`  IRON_TOKEN=${token}`);
        io.out('The token is shown only this once.');
        return 0;
      }
      case 'token list': {
        for (const token of await listTokens(deps, arg)) {
          const state =
            token.revokedAt === null ? 'active' : `revoked ${new Date(token.revokedAt).toISOString()}`;
          io.out(`${token.id}  ${token.projectId}  ${token.name}  ${state}`);
        }
        return 0;
      }
      case 'token revoke': {
        if (!arg) throw new UsageError('token revoke needs a token id (see token list)');
        if (!(await revokeToken(deps, arg))) {
          io.err(`No active token with id ${arg}.`);
          return 1;
        }
        io.out(`Revoked token ${arg}.`);
        return 0;
      }
      case 'sqs-key create': {
        if (!arg) throw new UsageError('sqs-key create needs a project id');
        const key = await createSqsKey(deps, arg, values.name ?? 'cli');
        io.out(`SQS access key for project ${arg} (SigV4; README "SQS API"):`);
        io.out(`  AWS_ACCESS_KEY_ID=${key.accessKeyId}`);
        io.out(`  AWS_SECRET_ACCESS_KEY=${key.secret}`);
        io.out('The secret is shown only this once.');
        return 0;
      }
      case 'sqs-key list': {
        for (const key of await listSqsKeys(deps, arg)) {
          const state =
            key.revokedAt === null ? 'active' : `revoked ${new Date(key.revokedAt).toISOString()}`;
          io.out(`${key.accessKeyId}  ${key.projectId}  ${key.name}  ${state}`);
        }
        return 0;
      }
      case 'sqs-key revoke': {
        if (!arg) throw new UsageError('sqs-key revoke needs an access key id (see sqs-key list)');
        if (!(await revokeSqsKey(deps, arg))) {
          io.err(`No active SQS key ${arg}.`);
          return 1;
        }
        io.out(`Revoked SQS key ${arg}.`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown command: ${positionals.join(' ')}`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof FerriteError) {
      io.err(error.message);
      if (error instanceof UsageError) io.err(USAGE);
      return 2;
    }
    throw error;
  } finally {
    await store.close();
  }
}

class UsageError extends Error {}

/** `ferrite copy`: a SQLite data file into an empty PostgreSQL database (README, "Several nodes"). */
async function copy(config: Config, values: { from?: string; to?: string }, io: CliIo): Promise<number> {
  const file = values.from ?? config.dbFile;
  const url = values.to ?? config.databaseUrl;
  if (!url) {
    io.err('copy needs a target: --to postgres://… or FERRITE_DATABASE_URL');
    return 2;
  }
  if (!existsSync(file)) {
    io.err(`No data file at ${file} (--from, or FERRITE_DB_FILE)`);
    return 2;
  }
  try {
    const report = await copySqliteToPostgres({ file, url, now: io.clock.now() });
    const mismatched = report.tables.filter((t) => t.source !== t.target);
    io.out(
      report.tables.map((t) => `${t.table} ${t.source} → ${t.target}`).join(', ') +
        (mismatched.length === 0 ? ': verified' : ''),
    );
    if (mismatched.length > 0) {
      io.err(`Row counts differ for ${mismatched.map((t) => t.table).join(', ')}`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof CopyRefused) {
      io.err(`Refused: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
