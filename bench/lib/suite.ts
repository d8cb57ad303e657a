import { type Settings, cronWarningCount } from './harness';
import type { Machine } from './machine';
import { measureBeanstalkd } from './phases/beanstalkd';
import { measureDeepQueue } from './phases/deep-queue';
import { measureLongPolls } from './phases/long-polls';
import { type PeersResult, measurePeers } from './phases/peers';
import { measureReferences } from './phases/references';
import { type CommitCounts, measureThroughput, profileLoad } from './phases/throughput';
import { cycleWorkload, postWorkload } from './ironmq';
import type { ProfileSummary } from './profile';
import type { DepthFigures, Figures } from './report';
import { median } from './stats';

interface Profile {
  summary: ProfileSummary;
  requests: number;
  seconds: number;
  commits: CommitCounts;
  file: string;
}

export interface SuiteResult {
  /** The medians the table is computed from. */
  figures: Figures;
  notes: { g8: string; g10Skipped: string | null };
  /** Issue 13's table: Ferrite and its peers on the same workloads. */
  peers: PeersResult;
  /** The server under the G5 load (the profile issue 6 asks for), and under G7's (100-message posts). */
  profile: Profile;
  profileG7: Profile;
  /** The largest the data file's WAL grew during G1–G5 and G7. */
  walMaxBytes: number;
  /** Every repetition's figures, for the JSON file. */
  details: Record<string, unknown>;
}

/** Runs every phase in order, each starting and stopping its own processes, and takes the medians. */
export async function measureAll(
  settings: Settings,
  dataDir: string,
  /** Where the raw CPU profile of a goal's load goes. */
  profileFile: (goal: string) => string,
  machine: Machine,
): Promise<SuiteResult> {
  const references = await measureReferences(settings, dataDir);
  const throughput = await measureThroughput(settings, dataDir);
  const profile = await profileLoad(settings, dataDir, profileFile('g5'), 'G5', 16, (q) =>
    cycleWorkload(q, 1),
  );
  const profileG7 = await profileLoad(settings, dataDir, profileFile('g7'), 'G7', 64, (q) =>
    postWorkload(q, 100),
  );
  const g8 = await measureLongPolls(settings, dataDir, machine);
  const deep = await measureDeepQueue(settings, dataDir);
  const beanstalkd = await measureBeanstalkd(settings, dataDir);
  const peers = await measurePeers(settings, dataDir);

  const { g1, g2, g3, g4, g5, g7 } = throughput;
  const depthFigures = (which: 'shallow' | 'deep'): DepthFigures => ({
    reserve1P99Ms: median(deep.g6.map((r) => r[which].reserve1P99Ms)),
    reserve100P99Ms: median(deep.g6.map((r) => r[which].reserve100P99Ms)),
    cyclesPerSecond: median(deep.g6.map((r) => r[which].cyclesPerSecond)),
  });
  const figures: Figures = {
    fsync: {
      p50Ms: median(references.syncs.map((r) => r.fsync.p50Ms)),
      perSecond: median(references.syncs.map((r) => r.fsync.perSecond)),
      fdatasyncP50Ms: median(references.syncs.map((r) => r.fdatasync.p50Ms)),
    },
    nodeHttp: { perSecond: median(references.nodeHttp) },
    express: {
      perSecond: median(references.express.c64),
      c1P50Ms: median(references.express.c1.map((r) => r.p50)),
    },
    store: {
      cycle100PerSecond: median(references.store.map((r) => r.n100.messages / r.n100.seconds)),
      cycle1PerSecond: median(references.store.map((r) => r.n1.messages / r.n1.seconds)),
    },
    g1: {
      perSecond: median(g1.map((r) => r.perSecond)),
      p50Ms: median(g1.map((r) => r.p50)),
      p99Ms: median(g1.map((r) => r.p99)),
    },
    g2: {
      p50Ms: median(g2.map((r) => r.p50)),
      p99Ms: median(g2.map((r) => r.p99)),
      fsyncP50Ms: median(g2.map((r) => r.fsyncP50Ms)),
    },
    g3: { messagesPerSecond: median(g3.map((r) => r.messagesPerSecond)) },
    g4: { messagesPerSecond: median(g4) },
    g5: { messagesPerSecond: median(g5) },
    g6: { depth: settings.depth, shallow: depthFigures('shallow'), deep: depthFigures('deep') },
    g7: { p50Ms: median(g7.map((r) => r.p50)), p99Ms: median(g7.map((r) => r.p99)) },
    g8: {
      target: g8.target,
      parked: g8.parked,
      rssGrowthBytes: g8.rssAfterGc - g8.rssBeforeGc,
      wakeP50Ms: median(g8.wake.map((r) => r.p50)),
      wakeP99Ms: median(g8.wake.map((r) => r.p99)),
    },
    g9: {
      depth: settings.depth,
      rssBytes: median(deep.starts.map((s) => s.rssBytes)),
      rssAfterLoadBytes: deep.rssAfterLoadGcBytes,
      peakRssBytes: deep.peakRssBytes,
      startupSeconds: median(deep.starts.map((s) => s.seconds)),
    },
    g10: beanstalkd.runs ? { perSecond: median(beanstalkd.runs) } : null,
  };
  return {
    figures,
    notes: { g8: g8.note, g10Skipped: beanstalkd.runs ? null : beanstalkd.note },
    peers,
    profile,
    profileG7,
    walMaxBytes: throughput.walMaxBytes,
    details: {
      references,
      throughput,
      g8,
      deep,
      beanstalkd,
      peers,
      cronWarnings: cronWarningCount(),
    },
  };
}
