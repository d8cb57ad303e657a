import { ConfigError, loadConfig } from './config/config';
import { systemClock } from './engine/clock';
import { OPEN_AUTH_WARNING } from './http/observability/health';
import { createLogger } from './log';
import { startFerrite, type Ferrite } from './server';

/** Composition root: config → store → HTTP → worker → signals. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ferrite: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  // Signals are handled from the first moment: a SIGTERM during start closes cleanly once started.
  let ferrite: Ferrite | null = null;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    if (!ferrite) return; // start() sees `stopping` and closes
    ferrite.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  ferrite = await startFerrite(config, { clock: systemClock, log });
  if (stopping) {
    stopping = false;
    stop('signal during start');
    return;
  }
  log.info('listening', {
    host: config.host,
    port: ferrite.port,
    respPort: ferrite.resp?.port ?? 'off',
    dbFile: config.dbFile,
    durability: config.durability,
    auth: config.auth,
  });

  if (config.auth === 'open') {
    log.warn(OPEN_AUTH_WARNING, { host: config.host });
    process.stderr.write(openAuthBanner(config.host, ferrite.port));
    return;
  }
  if (ferrite.bootstrapped) {
    const { project, token } = ferrite.bootstrapped;
    const generated = config.defaultToken === undefined;
    process.stdout.write(
      [
        '',
        'Created the default project. Point any IronMQ client at this server with:',
        '',
        `  IRON_PROJECT_ID=${project.id}`,
        `  IRON_TOKEN=${generated ? token : '<the FERRITE_TOKEN you set>'}`,
        `  IRON_HOST=localhost`,
        `  IRON_PORT=${ferrite.port}`,
        `  IRON_SCHEME=http`,
        `  IRON_PROTOCOL=http`,
        '',
        generated ? 'The token is shown only this once; `npm run ferrite -- token create` makes more.\n' : '',
      ].join('\n'),
    );
  }
}

/** Impossible to miss in a CI log: the server accepts anyone. */
function openAuthBanner(host: string, port: number): string {
  const rule = '!'.repeat(78);
  return [
    '',
    rule,
    '!! OPEN AUTH (FERRITE_AUTH=open): any project id and any token are accepted.',
    '!! Every project is created on its first request. For tests and CI only, never for real data.',
    `!! Listening on ${host}:${port}${host === '127.0.0.1' ? ' (loopback only; set FERRITE_HOST to change it)' : ''}.`,
    '!! Point a client at it with any IRON_PROJECT_ID (e.g. 000000000000000000000001) and any IRON_TOKEN.',
    rule,
    '',
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `ferrite: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
