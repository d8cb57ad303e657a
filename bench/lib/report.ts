import type { ProfileSummary } from './profile';
import { CATEGORY } from './profile';
import type { PeerFigures, PeersResult } from './phases/peers';

/** The medians of one run, from which every row of the table is computed. */
export interface Figures {
  /** write + fsync in the data directory; fdatasync for comparison (SQLite syncs its WAL with either). */
  fsync: { p50Ms: number; perSecond: number; fdatasyncP50Ms: number };
  nodeHttp: { perSecond: number };
  express: { perSecond: number; c1P50Ms: number };
  store: { cycle100PerSecond: number; cycle1PerSecond: number };
  g1: { perSecond: number; p50Ms: number; p99Ms: number };
  /** With the fsync floor measured again right before each repetition (the disk may be busier than at the start). */
  g2: { p50Ms: number; p99Ms: number; fsyncP50Ms: number };
  g3: { messagesPerSecond: number };
  g4: { messagesPerSecond: number };
  g5: { messagesPerSecond: number };
  g6: { depth: number; shallow: DepthFigures; deep: DepthFigures };
  g7: { p50Ms: number; p99Ms: number };
  g8: { target: number; parked: number; rssGrowthBytes: number; wakeP50Ms: number; wakeP99Ms: number };
  /** RSS after start, after G6's load and a full GC, and the peak (VmHWM, transient garbage included). */
  g9: {
    depth: number;
    rssBytes: number;
    rssAfterLoadBytes: number;
    peakRssBytes: number;
    startupSeconds: number;
  };
  g10: { perSecond: number } | null;
}

export interface DepthFigures {
  reserve1P99Ms: number;
  reserve100P99Ms: number;
  cyclesPerSecond: number;
}

export interface Row {
  goal: string;
  workload: string;
  measured: string;
  reference: string;
  ratio: string;
  target: string;
  result: '' | 'met' | 'missed' | 'skipped';
}

const MB = 1e6;

/** G8's count of parked long polls. */
export const G8_POLLERS = 10_000;

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  ms: (ms: number) => (Number.isFinite(ms) ? `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms` : 'n/a'),
  ratio: (r: number) => (Number.isFinite(r) ? r.toFixed(2) : 'n/a'),
  mb: (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / MB).toFixed(0)} MB` : 'n/a'),
  pct: (share: number) => `${(share * 100).toFixed(1)} %`,
};

function verdict(ok: boolean): Row['result'] {
  return ok ? 'met' : 'missed';
}

/** The reference rows (what the goals are divided by), then one row per goal (two or three for G6, G8, G9). */
export function tableRows(f: Figures, notes: { g8: string; g10Skipped: string | null }): Row[] {
  const ref = (goal: string, workload: string, measured: string): Row => ({
    goal,
    workload,
    measured,
    reference: '',
    ratio: '',
    target: '',
    result: '',
  });
  const g2Reference = f.express.c1P50Ms + 3 * f.g2.fsyncP50Ms;
  const g3Reference = 15 * f.g1.perSecond;
  const g5Reference = f.express.perSecond / 3;
  const g6 = (depth: keyof DepthFigures) => f.g6.deep[depth] / f.g6.shallow[depth];
  const depth = fmt.int(f.g6.depth);
  // The peak is garbage not yet collected under load (it is there at any depth); what stays is what counts.
  const g9Rss = Math.max(f.g9.rssBytes, f.g9.rssAfterLoadBytes);
  // Fewer parked polls than the goal's (quick runs; a low `ulimit -n`): the growth scaled to the goal's count.
  const g8Growth = (f.g8.rssGrowthBytes / Math.max(f.g8.parked, 1)) * Math.max(G8_POLLERS, f.g8.parked);
  const rows: Row[] = [
    ref(
      'ref',
      'write 4 KiB + fsync, data directory (durability floor)',
      `p50 ${fmt.ms(f.fsync.p50Ms)}, ${fmt.int(f.fsync.perSecond)}/s (fdatasync p50 ${fmt.ms(f.fsync.fdatasyncP50Ms)})`,
    ),
    ref('ref', 'bare node:http, POST 1 message, 64 conns', `${fmt.int(f.nodeHttp.perSecond)} req/s`),
    ref(
      'ref',
      'minimal Express, POST 1 message, 64 conns / 1 conn',
      `${fmt.int(f.express.perSecond)} req/s; p50 ${fmt.ms(f.express.c1P50Ms)}`,
    ),
    ref(
      'ref',
      'store in-process: cycle 100 × 4 loops / cycle 1 × 16 loops',
      `${fmt.int(f.store.cycle100PerSecond)} / ${fmt.int(f.store.cycle1PerSecond)} msg/s`,
    ),
    ref(
      'ref',
      'beanstalkd -f0: put → reserve → delete, 16 clients',
      f.g10 ? `${fmt.int(f.g10.perSecond)} cycles/s` : 'not installed',
    ),
    {
      goal: 'G1',
      workload: 'post 1 message/request, 64 conns',
      measured: `${fmt.int(f.g1.perSecond)} req/s`,
      reference: `Express ${fmt.int(f.express.perSecond)} req/s`,
      ratio: fmt.ratio(f.g1.perSecond / f.express.perSecond),
      target: '≥ 0.80',
      result: verdict(f.g1.perSecond / f.express.perSecond >= 0.8),
    },
    {
      goal: 'G2',
      workload: 'post 1 message, 1 conn: p50',
      measured: fmt.ms(f.g2.p50Ms),
      reference: `Express p50 + 3 × fsync p50 then (${fmt.ms(f.g2.fsyncP50Ms)}) = ${fmt.ms(g2Reference)}`,
      ratio: fmt.ratio(f.g2.p50Ms / g2Reference),
      target: '≤ 1.00',
      result: verdict(f.g2.p50Ms <= g2Reference),
    },
    {
      goal: 'G3',
      workload: 'post 100 messages/request, 16 conns',
      measured: `${fmt.int(f.g3.messagesPerSecond)} msg/s`,
      reference: `15 × G1 = ${fmt.int(g3Reference)} msg/s`,
      ratio: fmt.ratio(f.g3.messagesPerSecond / g3Reference),
      target: '≥ 1.00 and ≥ 60,000 msg/s',
      result: verdict(f.g3.messagesPerSecond >= g3Reference && f.g3.messagesPerSecond >= 60_000),
    },
    {
      goal: 'G4',
      workload: 'cycle post 100 → reserve 100 → delete 100, 4 conns',
      measured: `${fmt.int(f.g4.messagesPerSecond)} msg/s`,
      reference: `store cycle ${fmt.int(f.store.cycle100PerSecond)} msg/s`,
      ratio: fmt.ratio(f.g4.messagesPerSecond / f.store.cycle100PerSecond),
      target: '≥ 0.50',
      result: verdict(f.g4.messagesPerSecond / f.store.cycle100PerSecond >= 0.5),
    },
    {
      goal: 'G5',
      workload: 'cycle post 1 → reserve 1 → delete 1, 16 conns',
      measured: `${fmt.int(f.g5.messagesPerSecond)} msg/s`,
      reference: `Express ÷ 3 = ${fmt.int(g5Reference)} msg/s`,
      ratio: fmt.ratio(f.g5.messagesPerSecond / g5Reference),
      target: '≥ 0.60',
      result: verdict(f.g5.messagesPerSecond / g5Reference >= 0.6),
    },
    {
      goal: 'G6',
      workload: `reserve n=1 at ${depth} vs 1,000 queued: p99`,
      measured: fmt.ms(f.g6.deep.reserve1P99Ms),
      reference: fmt.ms(f.g6.shallow.reserve1P99Ms),
      ratio: fmt.ratio(g6('reserve1P99Ms')),
      target: '≤ 1.50',
      result: verdict(g6('reserve1P99Ms') <= 1.5),
    },
    {
      goal: 'G6',
      workload: `reserve n=100 at ${depth} vs 1,000 queued: p99`,
      measured: fmt.ms(f.g6.deep.reserve100P99Ms),
      reference: fmt.ms(f.g6.shallow.reserve100P99Ms),
      ratio: fmt.ratio(g6('reserve100P99Ms')),
      target: '≤ 1.50',
      result: verdict(g6('reserve100P99Ms') <= 1.5),
    },
    {
      goal: 'G6',
      workload: `cycle 1, 16 conns, at ${depth} vs 1,000 queued`,
      measured: `${fmt.int(f.g6.deep.cyclesPerSecond)} msg/s`,
      reference: `${fmt.int(f.g6.shallow.cyclesPerSecond)} msg/s`,
      ratio: fmt.ratio(g6('cyclesPerSecond')),
      target: '≥ 0.75',
      result: verdict(g6('cyclesPerSecond') >= 0.75),
    },
    {
      goal: 'G7',
      workload: 'post 100 messages/request, 64 conns: p99',
      measured: fmt.ms(f.g7.p99Ms),
      reference: `10 × p50 (${fmt.ms(f.g7.p50Ms)}) = ${fmt.ms(10 * f.g7.p50Ms)}`,
      ratio: fmt.ratio(f.g7.p99Ms / (10 * f.g7.p50Ms)),
      target: '≤ 1.00 and ≤ 250 ms',
      result: verdict(f.g7.p99Ms <= 10 * f.g7.p50Ms && f.g7.p99Ms <= 250),
    },
    {
      goal: 'G8',
      workload: `${fmt.int(G8_POLLERS)} long-polling reservers (wait 30): RSS growth after GC${notes.g8}`,
      measured:
        f.g8.parked >= G8_POLLERS
          ? fmt.mb(f.g8.rssGrowthBytes)
          : `${fmt.mb(f.g8.rssGrowthBytes)} for ${fmt.int(f.g8.parked)}: ${fmt.mb(g8Growth)} scaled`,
      reference: '200 MB',
      ratio: fmt.ratio(g8Growth / (200 * MB)),
      target: '≤ 1.00',
      result: verdict(g8Growth <= 200 * MB),
    },
    {
      goal: 'G8',
      workload: 'post → one of 1,000 waiting reservers: p99',
      measured: fmt.ms(f.g8.wakeP99Ms),
      reference: '10 ms',
      ratio: fmt.ratio(f.g8.wakeP99Ms / 10),
      target: '≤ 1.00',
      result: verdict(f.g8.wakeP99Ms <= 10),
    },
    {
      goal: 'G9',
      workload: `${fmt.int(f.g9.depth)} queued: server RSS after start / after G6 load + GC (peak)`,
      measured: `${fmt.mb(f.g9.rssBytes)} / ${fmt.mb(f.g9.rssAfterLoadBytes)} (${fmt.mb(f.g9.peakRssBytes)})`,
      reference: '200 MB',
      ratio: fmt.ratio(g9Rss / (200 * MB)),
      target: '≤ 1.00',
      result: verdict(g9Rss <= 200 * MB),
    },
    {
      goal: 'G9',
      workload: `${fmt.int(f.g9.depth)} queued: start to first answered request`,
      measured: `${f.g9.startupSeconds.toFixed(2)} s`,
      reference: '2 s',
      ratio: fmt.ratio(f.g9.startupSeconds / 2),
      target: '≤ 1.00',
      result: verdict(f.g9.startupSeconds <= 2),
    },
  ];
  if (f.g10) {
    const ratio = f.g5.messagesPerSecond / f.g10.perSecond;
    rows.push({
      goal: 'G10',
      workload: 'cycle 1, 16 conns (G5) vs beanstalkd -f0, 16 clients',
      measured: `${fmt.int(f.g5.messagesPerSecond)} cycles/s`,
      reference: `beanstalkd ${fmt.int(f.g10.perSecond)} cycles/s`,
      ratio: fmt.ratio(ratio),
      target: '≥ 1.00',
      result: verdict(ratio >= 1),
    });
  } else {
    rows.push({
      goal: 'G10',
      workload: 'cycle 1, 16 conns (G5) vs beanstalkd -f0, 16 clients',
      measured: `${fmt.int(f.g5.messagesPerSecond)} cycles/s`,
      reference: notes.g10Skipped ?? 'skipped',
      ratio: '',
      target: '≥ 1.00',
      result: 'skipped',
    });
  }
  return rows;
}

/** A Markdown table, padded the way Prettier pads one (so it can be pasted into README.md as printed). */
export function markdownTable(rows: Row[]): string {
  const header: Row = {
    goal: 'goal',
    workload: 'workload',
    measured: 'measured',
    reference: 'reference',
    ratio: 'ratio',
    target: 'goal ratio',
    result: 'result' as Row['result'],
  };
  const keys = Object.keys(header) as (keyof Row)[];
  const widths = keys.map((key) => Math.max(3, ...[header, ...rows].map((row) => row[key].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(keys.map((key) => header[key])),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(keys.map((key) => row[key]))),
  ].join('\n');
}

export interface ProfileEstimate {
  /** Express's share of the server's busy time under the G5 load. */
  expressShare: number;
  /** Express's CPU time per request, µs. */
  expressUsPerRequest: number;
  /** Express ceiling vs bare node:http: extra µs per request. */
  ceilingGapUs: number;
  g1: number;
  g5: number;
  g10Ratio: number | null;
}

/**
 * What G1, G5 and G10 would become if each request did not pay Express's own CPU time: the server is bound by
 * its one busy thread, so a request that costs `e` µs less of it takes `1/rate − e` per request instead.
 */
export function estimateWithoutExpress(
  f: Figures,
  profile: ProfileSummary,
  requests: number,
): ProfileEstimate {
  const expressMs = profile.categories.find((c) => c.name === CATEGORY.express)?.ms ?? 0;
  const perRequestS = expressMs / 1000 / requests;
  const g1 = 1 / (1 / f.g1.perSecond - perRequestS);
  const g5 = 1 / (1 / f.g5.messagesPerSecond - 3 * perRequestS);
  return {
    expressShare: expressMs / profile.busyMs,
    expressUsPerRequest: perRequestS * 1e6,
    ceilingGapUs: (1 / f.express.perSecond - 1 / f.nodeHttp.perSecond) * 1e6,
    g1,
    g5,
    g10Ratio: f.g10 ? g5 / f.g10.perSecond : null,
  };
}

/** Issue 13's table (S1–S6): Ferrite against its peers, measured in the same run. */
export function peerRows(peers: PeersResult, gRows: Row[]): Row[] {
  const f = peers.ferrite;
  const rate = (value: number | null, unit: string) => (value === null ? 'n/a' : `${fmt.int(value)} ${unit}`);
  const ref = (workload: string, peer: PeerFigures): Row => ({
    goal: 'ref',
    workload,
    measured: peer.note?.startsWith('skipped')
      ? peer.note
      : `S1 ${rate(peer.posts, 'msg/s')}; S2 ${rate(peer.cycle1, 'cycles/s')}; S3 ${rate(peer.cycle100, 'msg/s')}` +
        (peer.note ? ` (${peer.note})` : ''),
    reference: '',
    ratio: '',
    target: '',
    result: '',
  });
  const against = (
    goal: string,
    workload: string,
    measured: number | null,
    peerName: string,
    peer: number | null,
    unit: string,
    target: number,
  ): Row => {
    if (measured === null || peer === null) {
      return {
        goal,
        workload,
        measured: rate(measured, unit),
        reference: `${peerName}: not measured`,
        ratio: '',
        target: `≥ ${target.toFixed(2)}`,
        result: 'skipped',
      };
    }
    const ratio = measured / peer;
    return {
      goal,
      workload,
      measured: rate(measured, unit),
      reference: `${peerName} ${rate(peer, unit)}`,
      ratio: fmt.ratio(ratio),
      target: `≥ ${target.toFixed(2)}`,
      result: verdict(ratio >= target),
    };
  };
  const cpuRatio = f.cpuUsPerRequest / peers.expressCpuUsPerRequest;
  const g789 = gRows.filter((row) => ['G7', 'G8', 'G9'].includes(row.goal));
  const g789Met = g789.filter((row) => row.result === 'met').length;
  return [
    ref('PostgreSQL (table queue, FOR UPDATE SKIP LOCKED, pg, 1 statement per op, fsync on)', peers.postgres),
    ref('Redis appendfsync always (LPUSH, LMOVE, LREM)', peers.redis),
    ref('beanstalkd -f0 (put, reserve, delete)', peers.beanstalkd),
    against(
      'S1',
      'post 1 message, 16 connections',
      f.posts,
      'PostgreSQL',
      peers.postgres.posts,
      'msg/s',
      0.5,
    ),
    against(
      'S2',
      'post 1 → reserve 1 → delete 1, 16 workers',
      f.cycle1,
      'PostgreSQL',
      peers.postgres.cycle1,
      'cycles/s',
      1,
    ),
    against('S2', 'the same (moonshot)', f.cycle1, 'beanstalkd', peers.beanstalkd.cycle1, 'cycles/s', 1),
    against(
      'S3',
      'the same in batches of 100, 4 workers',
      f.cycle100,
      'PostgreSQL',
      peers.postgres.cycle100,
      'msg/s',
      1,
    ),
    against('S3', 'the same (moonshot)', f.cycle100, 'Redis', peers.redis.cycle100, 'msg/s', 1),
    {
      goal: 'S4',
      workload: 'server CPU per request (all threads), post 1 at 16 connections',
      measured: `${fmt.int(f.cpuUsPerRequest)} µs`,
      reference: `minimal Express ${fmt.int(peers.expressCpuUsPerRequest)} µs`,
      ratio: fmt.ratio(cpuRatio),
      target: '≤ 1.50',
      result: verdict(cpuRatio <= 1.5),
    },
    {
      goal: 'S5',
      workload: 'event-loop delay p99 under the S2 load (p50 / max)',
      measured: `${fmt.ms(f.loopDelay.p99Ms)} (${fmt.ms(f.loopDelay.p50Ms)} / ${fmt.ms(f.loopDelay.maxMs)})`,
      reference: '2 ms',
      ratio: fmt.ratio(f.loopDelay.p99Ms / 2),
      target: '≤ 1.00',
      result: verdict(f.loopDelay.p99Ms <= 2),
    },
    {
      goal: 'S6',
      workload: 'G7–G9 as they stand (p99 tails, long polls, deep queue)',
      measured: `${g789Met} of ${g789.length} met`,
      reference: '',
      ratio: '',
      target: 'all met',
      result: verdict(g789Met === g789.length),
    },
  ];
}
