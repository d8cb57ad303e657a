import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const MAIN = path.resolve(__dirname, '../../dist/main.js');

const live = new Set<ChildProcess>();

/** Kills every server this file started and still runs: call it in afterEach, so a failed test leaves none behind. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/**
 * Starts the built server (dist/main.js) as a real process on 127.0.0.1 with a free port, and waits for its
 * "listening" log line. For tests that kill -9 it or send it signals.
 */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: `npm test` builds before running jest');
  const child = spawn(process.execPath, [MAIN], {
    // RESP off unless a test asks for it: a fixed port would collide between processes started in parallel.
    env: {
      PATH: process.env.PATH ?? '',
      FERRITE_HOST: '127.0.0.1',
      FERRITE_PORT: '0',
      FERRITE_RESP_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 10_000);
    const check = () => {
      const match =
        /"message":"listening","port":(\d+)/.exec(output) ??
        /"port":(\d+)[^\n]*"message":"listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited:\n${output}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}
