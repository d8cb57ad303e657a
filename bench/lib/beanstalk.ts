import net from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Just enough of the beanstalk protocol (doc/protocol.txt in beanstalkd) for the G10 cycle: put, reserve and
 * delete on the default tube, one command at a time per connection.
 */
export class BeanstalkConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: {
    parse: Parser;
    resolve: (value: string) => void;
    reject: (error: Error) => void;
  } | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    const fail = (error: Error) => {
      this.waiting?.reject(error);
      this.waiting = null;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('beanstalkd closed the connection')));
  }

  static connect(port: number): Promise<BeanstalkConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new BeanstalkConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** `put <pri> <delay> <ttr> <bytes>`: resolves with the new job's id. */
  put(body: Buffer): Promise<string> {
    const command = Buffer.concat([Buffer.from(`put 0 0 60 ${body.length}\r\n`), body, Buffer.from('\r\n')]);
    return this.send(command, (line) => expect(line, 'INSERTED'));
  }

  /** `reserve`: resolves with the reserved job's id (its body is read and dropped). */
  reserve(): Promise<string> {
    return this.send(Buffer.from('reserve\r\n'), (line, rest) => {
      const id = expect(line, 'RESERVED').value;
      const bytes = Number(line.split(' ')[2]);
      return rest.length >= bytes + 2 ? { value: id, consumed: bytes + 2 } : null;
    });
  }

  delete(id: string): Promise<string> {
    return this.send(Buffer.from(`delete ${id}\r\n`), (line) => expect(line, 'DELETED'));
  }

  close(): void {
    this.socket.destroy();
  }

  private send(command: Buffer, parse: Parser): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = { parse, resolve, reject };
      this.socket.write(command);
    });
  }

  private drain(): void {
    const end = this.buffer.indexOf('\r\n');
    if (end < 0 || !this.waiting) return;
    const line = this.buffer.toString('latin1', 0, end);
    const { parse, resolve, reject } = this.waiting;
    let parsed: { value: string; consumed: number } | null;
    try {
      parsed = parse(line, this.buffer.subarray(end + 2));
    } catch (error) {
      this.waiting = null;
      reject(error as Error);
      return;
    }
    if (!parsed) return;
    this.buffer = this.buffer.subarray(end + 2 + parsed.consumed);
    this.waiting = null;
    resolve(parsed.value);
  }
}

/** Reads an answer from its first line and what follows it; null when more bytes are needed. */
type Parser = (line: string, rest: Buffer) => { value: string; consumed: number } | null;

function expect(line: string, word: string): { value: string; consumed: number } {
  if (line === word) return { value: '', consumed: 0 };
  if (!line.startsWith(`${word} `)) throw new Error(`beanstalkd answered "${line}", expected ${word}`);
  return { value: line.split(' ')[1] ?? '', consumed: 0 };
}

/**
 * `clients` connections each doing put → reserve → delete for `seconds`; returns the cycles per second. Each
 * client reserves only after its own put, so a reserve never blocks.
 */
export async function beanstalkCycles(port: number, clients: number, seconds: number, body: Buffer) {
  const connections = await Promise.all(
    Array.from({ length: clients }, () => BeanstalkConnection.connect(port)),
  );
  const started = performance.now();
  const until = started + seconds * 1000;
  const counts = await Promise.all(
    connections.map(async (connection) => {
      let cycles = 0;
      while (performance.now() < until) {
        await connection.put(body);
        await connection.delete(await connection.reserve());
        cycles++;
      }
      connection.close();
      return cycles;
    }),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  return { cycles: total, perSecond: total / ((performance.now() - started) / 1000) };
}
