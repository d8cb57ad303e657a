import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BeanstalkConnection, beanstalkCycles } from '../beanstalk';
import { type Settings, freePort, log } from '../harness';
import { BODY } from '../ironmq';
import { beanstalkdPath } from '../machine';
import { startProgram, stopProcess } from '../processes';
import { repeat } from '../stats';

/** G10's reference: beanstalkd with its binlog in the data directory and an fsync on every write (-f0). */
export async function measureBeanstalkd(settings: Settings, dataDir: string) {
  const binary = beanstalkdPath();
  if (!binary) return { runs: null, note: 'skipped (apt-get install beanstalkd)' };
  log('G10: beanstalkd -f0');
  const binlog = path.join(dataDir, 'beanstalkd');
  mkdirSync(binlog);
  const port = await freePort();
  const program = startProgram(binary, ['-l', '127.0.0.1', '-p', String(port), '-b', binlog, '-f0']);
  try {
    for (let tries = 0; ; tries++) {
      try {
        (await BeanstalkConnection.connect(port)).close();
        break;
      } catch (error) {
        if (tries > 100 || program.exitCode !== null) throw error;
        await sleep(20);
      }
    }
    const body = Buffer.from(BODY);
    await beanstalkCycles(port, 16, settings.warmupSeconds, body);
    const runs = await repeat(
      settings.reps,
      async () => (await beanstalkCycles(port, 16, settings.seconds, body)).perSecond,
    );
    return { runs, note: null };
  } finally {
    await stopProcess(program);
  }
}
