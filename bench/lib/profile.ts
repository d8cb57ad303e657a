import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './dist';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where the server's main thread spent its time, in ms, by category (see `summarizeProfile`). */
export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  /** Samples taken while the profiler itself worked (stopping it builds the profile): left out of every total. */
  profilerMs: number;
  categories: {
    name: string;
    ms: number;
    shareOfBusy: number;
    topScripts: { script: string; ms: number }[];
  }[];
}

export const CATEGORY = {
  express: 'Express: router, middleware, req/res helpers',
  validation: 'validation (field checks, express-validator)',
  // V8 charges JSON.parse and JSON.stringify to the function that calls them: json-body.ts and respond.ts.
  jsonIn: 'JSON in: json-body.ts (checks, JSON.parse)',
  jsonOut: 'JSON out: serialize.ts, respond.ts (JSON.stringify)',
  http: 'Ferrite HTTP layer: handlers, auth, other middleware',
  engine: 'engine: ids, hashing, queue rules',
  commit: 'SQLite COMMIT: WAL write + fsync wait',
  sqlite: 'SQLite statements on this thread (reads: tokens, queues, peeks)',
  handoff: 'store: writes handed to the writer thread and answers back (structured clone)',
  storeJs: 'store JS: row mapping, writer client',
  node: 'Node.js: HTTP parser and writer, sockets, streams, event loop',
  gc: 'garbage collection',
  program: 'V8/native, unattributed',
  other: 'other',
} as const;

/** A package and everything it depends on, read from node_modules (Express 5: express, router, body-parser …). */
function packageClosure(root: string): Set<string> {
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    const manifest = path.join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) return;
    found.add(name);
    const { dependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(dependencies)) visit(dependency);
  };
  visit(root);
  return found;
}

/**
 * Node's HTTP, socket and stream modules: the same work for any server (bare node:http included), so it is
 * charged to Node whoever called it. Other Node modules (crypto, buffer, events, timers) are charged to their
 * caller: a sha256 per request is Ferrite's choice.
 */
const NODE_HTTP =
  /^node:(_http_|net$|stream$|internal\/streams\/|internal\/stream_base_commons|internal\/http)/;

interface Charge {
  category: string;
  script: string;
}

const IDLE: Charge = { category: 'idle', script: '' };
const PROFILER: Charge = { category: 'profiler', script: '' };

/** A script's path relative to the repository (dist/http/respond.js, node_modules/router/index.js). */
function scriptName(url: string): string {
  const at = url.indexOf(ROOT);
  return at < 0 ? url : url.slice(at + ROOT.length + 1);
}

/** The npm package a script belongs to (the innermost node_modules/<name>), or null. */
function packageOf(url: string): string | null {
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return null;
  const parts = url.slice(at + '/node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? null);
}

/**
 * Reads a .cpuprofile of the server and charges each sample to a category. A sample is charged to the first
 * frame, walking from the leaf to the root, that is in a script of ours or of a package, or in Node's HTTP and
 * socket modules (NODE_HTTP). Native functions and Node's other modules are charged to the code that called them
 * (a SQLite statement run by the store is SQLite); samples with no such frame at all (the event loop, microtask
 * queue) are Node's.
 */
export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  const express = packageClosure('express');
  const validation = packageClosure('express-validator');

  /** The category of a sample, and the script (of ours or a package) it was charged to. */
  const classify = (leafId: number, leaf: ProfileNode['callFrame']): Charge => {
    const charge = (category: string, url = ''): Charge => ({ category, script: scriptName(url) });
    if (leaf.functionName === '(idle)') return IDLE;
    if (leaf.functionName === '(garbage collector)') return charge(CATEGORY.gc);
    if (leaf.functionName === '(program)' || leaf.functionName === '(root)') return charge(CATEGORY.program);
    const nativeLeaf = leaf.url === '';
    for (let id: number | undefined = leafId; id !== undefined; id = parentOf.get(id)) {
      const { functionName, url } = byId.get(id)!.callFrame;
      if (url === 'node:inspector') return PROFILER;
      if (functionName === 'benchTimedCommit') return charge(CATEGORY.commit);
      if (url === '') continue;
      if (url.startsWith('node:')) {
        if (NODE_HTTP.test(url)) return charge(CATEGORY.node, url);
        continue;
      }
      if (url.includes('/dist/http/middleware/json-body')) return charge(CATEGORY.jsonIn, url);
      if (url.endsWith('/dist/http/respond.js') || url.endsWith('/dist/http/serialize.js')) {
        return charge(CATEGORY.jsonOut, url);
      }
      if (url.includes('/dist/http/validation/')) return charge(CATEGORY.validation, url);
      if (url.includes('/dist/http/') || url.endsWith('/dist/app.js')) return charge(CATEGORY.http, url);
      if (url.includes('/dist/engine/')) return charge(CATEGORY.engine, url);
      if (url.includes('/dist/store/sqlite/writers')) {
        return charge(nativeLeaf ? CATEGORY.handoff : CATEGORY.storeJs, url);
      }
      if (url.includes('/dist/store/')) return charge(nativeLeaf ? CATEGORY.sqlite : CATEGORY.storeJs, url);
      const pkg = packageOf(url);
      if (pkg === 'better-sqlite3') return charge(CATEGORY.sqlite, url);
      if (pkg !== null && validation.has(pkg)) return charge(CATEGORY.validation, url);
      if (pkg !== null && express.has(pkg)) return charge(CATEGORY.express, url);
      return charge(CATEGORY.other, url);
    }
    return charge(CATEGORY.node);
  };

  const cache = new Map<number, Charge>();
  const ms = new Map<string, { ms: number; scripts: Map<string, number> }>();
  let idleMs = 0;
  let profilerMs = 0;
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    let charged = cache.get(id);
    if (!charged) cache.set(id, (charged = classify(id, byId.get(id)!.callFrame)));
    if (charged === PROFILER) {
      profilerMs += delta;
      return;
    }
    totalMs += delta;
    if (charged === IDLE) {
      idleMs += delta;
      return;
    }
    let entry = ms.get(charged.category);
    if (!entry) ms.set(charged.category, (entry = { ms: 0, scripts: new Map() }));
    entry.ms += delta;
    entry.scripts.set(charged.script, (entry.scripts.get(charged.script) ?? 0) + delta);
  });
  const busyMs = totalMs - idleMs;
  const categories = [...ms.entries()]
    .map(([name, entry]) => ({
      name,
      ms: entry.ms,
      shareOfBusy: entry.ms / busyMs,
      topScripts: [...entry.scripts.entries()]
        .filter(([script]) => script !== '')
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([script, value]) => ({ script, ms: value })),
    }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs, idleMs, busyMs, profilerMs, categories };
}
