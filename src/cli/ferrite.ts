#!/usr/bin/env node
import { ConfigError } from '../config/config';
import { systemClock } from '../engine/clock';
import { runCli } from './commands';

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  clock: systemClock,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `ferrite: ${error instanceof ConfigError ? 'invalid configuration: ' : ''}${message}\n`,
    );
    process.exit(
      error instanceof ConfigError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? 2
        : 1,
    );
  },
);
