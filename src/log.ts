import winston from 'winston';

export type Logger = winston.Logger;

/** The process logger: one JSON line per event. Modules receive it (or a child) as a dependency. */
export function createLogger(level: string, silent = false): Logger {
  return winston.createLogger({
    level,
    silent,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}
