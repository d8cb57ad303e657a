import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/dist';
import { describeMachine } from './lib/machine';
import { killAllNow, stopAll } from './lib/processes';
import { estimateWithoutExpress, fmt, markdownTable, peerRows, tableRows } from './lib/report';
import type { Settings } from './lib/harness';
import { measurePostgres } from './lib/phases/postgres';
import { type SuiteResult, measureAll } from './lib/suite';

/**
 * `npm run bench [-- --quick] [-- --dir PATH] [-- --keep]`: starts the reference ceilings and the server, measures
 * every goal of issue 6, prints one table and writes bench/results/<date>.json. See README.md, "Performance".
 */
const { values: flags } = parseArgs({
  options: {
    /** Short runs (under 90 s with the build): a smoke test of the suite, not figures to quote. */
    quick: { type: 'boolean', default: false },
    /** Where the data directory is made (default: the OS temp folder); put it on the disk to measure. */
    dir: { type: 'string' },
    /** Keep the data directory (databases, beanstalkd binlog) after the run. */
    keep: { type: 'boolean', default: false },
    /** `postgres`: the PostgreSQL table (throughput on both backends, raw pg, cross-node wake-ups, 1–3 nodes). */
    store: { type: 'string', default: 'sqlite' },
  },
});

const QUICK: Settings = {
  quick: true,
  reps: 3,
  seconds: 0.5,
  latencySeconds: 0.3,
  warmupSeconds: 0.3,
  fsyncSeconds: 0.2,
  profileSeconds: 1.5,
  // A quarter of the goals' sizes (filling 1,000,000 and parking 10,000 take ~10 s each); the rows say so.
  depth: 250_000,
  pollers: 2_500,
  wakeups: 50,
};
const FULL: Settings = {
  quick: false,
  reps: 3,
  seconds: 5,
  latencySeconds: 3,
  warmupSeconds: 2,
  fsyncSeconds: 2,
  profileSeconds: 10,
  depth: 1_000_000,
  pollers: 10_000,
  wakeups: 500,
};
const settings = flags.quick ? QUICK : FULL;

let dataDir: string | null = null;

function cleanUp(): void {
  if (dataDir && !flags.keep) rmSync(dataDir, { recursive: true, force: true });
  dataDir = null;
}

/** The profile summary and what it implies, printed under the table. */
function describeProfile(run: SuiteResult, estimate: ReturnType<typeof estimateWithoutExpress>): string {
  const { summary, commits } = run.profile;
  const lines = [
    `Server CPU profile under the G5 load, main thread (SQLite writes run on the writer thread; ${run.profile.seconds} s; busy ` +
      `${fmt.pct(summary.busyMs / summary.totalMs)} of the time; shares of the busy time):`,
  ];
  for (const category of summary.categories) {
    const scripts = category.topScripts
      .map((s) => `${s.script} ${fmt.pct(s.ms / summary.busyMs)}`)
      .join(', ');
    lines.push(
      `  ${fmt.pct(category.shareOfBusy).padStart(7)}  ${category.name}${scripts ? ` (${scripts})` : ''}`,
    );
  }
  if (commits.groups > 0) {
    lines.push(
      `  group commit: ${fmt.int(commits.groups)} commits for ${fmt.int(commits.writes)} writes ` +
        `(${(commits.writes / commits.groups).toFixed(1)} per commit); COMMIT took ${fmt.ms(commits.commitMs / commits.groups)} ` +
        `on average (longest ${fmt.ms(commits.maxCommitMs)}), ${fmt.pct(commits.commitMs / summary.totalMs)} of the time`,
    );
  }
  lines.push(
    `Without Express's own cost (${estimate.expressUsPerRequest.toFixed(0)} µs of CPU per request in the G5 profile; ` +
      `the Express ceiling spends ${estimate.ceilingGapUs.toFixed(0)} µs more per request than bare node:http): ` +
      `G1 ≈ ${fmt.int(estimate.g1)} req/s, G5 ≈ ${fmt.int(estimate.g5)} msg/s` +
      (estimate.g10Ratio === null ? '' : `, G10 ≈ ${fmt.ratio(estimate.g10Ratio)} × beanstalkd`) +
      '.',
  );
  const g7 = run.profileG7;
  const top = g7.summary.categories
    .slice(0, 4)
    .map((c) => `${c.name.split(':')[0]} ${fmt.pct(c.shareOfBusy)}`);
  lines.push(
    `Under the G7 load (100-message posts, 64 conns; ${g7.seconds} s, busy ${fmt.pct(g7.summary.busyMs / g7.summary.totalMs)}): ` +
      `${top.join(', ')}; longest group commit ${fmt.ms(g7.commits.maxFlushMs)}, longest COMMIT ` +
      `${fmt.ms(g7.commits.maxCommitMs)}; largest WAL during G1–G7 ${(run.walMaxBytes / 1e6).toFixed(1)} MB.`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const parent = flags.dir ? path.resolve(flags.dir) : os.tmpdir();
  mkdirSync(parent, { recursive: true });
  dataDir = mkdtempSync(path.join(parent, 'ferrite-bench-'));
  const machine = describeMachine(dataDir);
  const loadBefore = os.loadavg()[0]!;
  process.stderr.write(
    `ferrite bench (${settings.quick ? 'quick' : 'full'}): ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, ` +
      `Node ${machine.node}; data in ${dataDir} on ${machine.dataDisk}; load average ${loadBefore.toFixed(2)}\n`,
  );
  if (loadBefore > 0.5 * machine.cores) {
    process.stderr.write(
      '  (other processes are using the CPU: the figures will be lower than on an idle machine)\n',
    );
  }
  const resultsDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 10) + (settings.quick ? '-quick' : '');
  if (flags.store === 'postgres') {
    const { rows, details } = await measurePostgres(settings, dataDir);
    const file = path.join(resultsDir, `${stamp}-postgres.json`);
    const loadAfter = os.loadavg()[0]!;
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), settings, machine, rows, details }, null, 2)}\n`,
    );
    const met = rows.filter((row) => row.result === 'met').length;
    const missed = rows.filter((row) => row.result === 'missed').length;
    process.stdout.write(
      `\n${markdownTable(rows)}\n\n${met} met, ${missed} missed; ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadBefore.toFixed(2)} → ` +
        `${loadAfter.toFixed(2)}; ${path.relative(ROOT, file)}\n`,
    );
    return;
  }
  if (flags.store !== 'sqlite') throw new Error(`--store must be sqlite or postgres, not ${flags.store}`);
  const profileFile = (goal: string) => path.join(resultsDir, `${stamp}-${goal}.cpuprofile`);
  const run = await measureAll(settings, dataDir, profileFile, machine);
  const rows = tableRows(run.figures, run.notes);
  const sRows = peerRows(run.peers, rows);
  const estimate = estimateWithoutExpress(run.figures, run.profile.summary, run.profile.requests);
  const seconds = (performance.now() - started) / 1000;
  const loadAfter = os.loadavg()[0]!;

  const file = path.join(resultsDir, `${stamp}.json`);
  const record = {
    date: new Date().toISOString(),
    settings,
    machine: { ...machine, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
    seconds,
    rows,
    peerRows: sRows,
    figures: run.figures,
    profile: run.profile,
    profileG7: run.profileG7,
    estimateWithoutExpress: estimate,
    details: run.details,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);

  const all = [...rows, ...sRows];
  const count = (result: string) => all.filter((row) => row.result === result).length;
  process.stdout.write(
    `\n${markdownTable(rows)}\n\n${markdownTable(sRows)}\n\n${describeProfile(run, estimate)}\n\n` +
      `${count('met')} met, ${count('missed')} missed${count('skipped') ? `, ${count('skipped')} skipped` : ''}; ` +
      `${seconds.toFixed(0)} s; load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}; ` +
      `${path.relative(ROOT, file)}\n`,
  );
}

process.on('exit', () => {
  killAllNow();
  cleanUp();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}: stopping every process it started\n`);
    void stopAll().finally(() => process.exit(130));
  });
}

main()
  .catch((error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  // Exit even if a socket or timer of a failed phase is still open.
  .finally(() => stopAll().then(() => process.exit()));
