import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { openFileLimit } from './processes';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** The file system and device of the data directory, as `df` shows them. */
  dataDisk: string;
  openFileLimit: number;
  beanstalkd: string | null;
}

function run(command: string, args: string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Where beanstalkd is installed, or null (then G10 is skipped). */
export function beanstalkdPath(): string | null {
  return run('sh', ['-c', 'command -v beanstalkd']) || null;
}

export function redisServerPath(): string | null {
  return run('sh', ['-c', 'command -v redis-server']) || null;
}

export function describeMachine(dataDir: string): Machine {
  const df = run('df', ['-hT', dataDir])?.split('\n')[1]?.split(/\s+/) ?? [];
  const binary = beanstalkdPath();
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    dataDisk: df.length >= 3 ? `${df[0]} (${df[1]}, ${df[2]})` : 'unknown',
    openFileLimit: openFileLimit(),
    beanstalkd: binary ? (run(binary, ['-v']) ?? binary) : null,
  };
}
