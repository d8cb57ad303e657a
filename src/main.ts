import { ConfigError, loadConfig } from './config/config';
import { systemClock } from './engine/clock';
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
  });

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

main().catch((error: unknown) => {
  process.stderr.write(
    `ferrite: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
