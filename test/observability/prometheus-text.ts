/**
 * A parser of the Prometheus text exposition format (version 0.0.4, what prom-client writes), strict enough to
 * fail a test on a malformed line: every sample must belong to a declared `# TYPE`.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  /** Metric family → counter, gauge, histogram, summary or untyped. */
  types: Map<string, string>;
  help: Map<string, string>;
  /** The samples of `name` whose labels include every label in `where`. */
  find(name: string, where?: Record<string, string>): Sample[];
  /** The sum of those samples' values (0 when there is none). */
  sum(name: string, where?: Record<string, string>): number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

export function parsePrometheusText(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, kind, name = '', rest = ''] = match;
      if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) {
          throw new Error(`bad type, ${where}`);
        }
        types.set(name, rest);
      } else {
        help.set(name, rest);
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, types);
    if (family === undefined) throw new Error(`sample without a # TYPE, ${where}`);
    samples.push(sample);
  });
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
    );
  return {
    samples,
    types,
    help,
    find,
    sum: (name, labels) => find(name, labels).reduce((total, s) => total + s.value, 0),
  };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of SUFFIXES) {
    if (name.endsWith(suffix) && types.has(name.slice(0, -suffix.length)))
      return name.slice(0, -suffix.length);
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  let i = 0;
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i]!)) i++;
  const name = line.slice(0, i);
  if (!NAME.test(name)) throw new Error(`bad sample name, ${where}`);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const start = i;
      while (i < line.length && /[a-zA-Z0-9_]/.test(line[i]!)) i++;
      const label = line.slice(start, i);
      if (label === '' || line[i] !== '=' || line[i + 1] !== '"') throw new Error(`bad label, ${where}`);
      i += 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`unterminated label value, ${where}`);
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const escaped = line[i];
          i++;
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`bad escape, ${where}`);
        } else {
          value += c;
        }
      }
      if (label in labels) throw new Error(`duplicate label ${label}, ${where}`);
      labels[label] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`expected , or }, ${where}`);
    }
    i++;
  }
  if (line[i] !== ' ') throw new Error(`expected a space before the value, ${where}`);
  const [raw, timestamp, extra] = line.slice(i + 1).split(' ');
  if (raw === undefined || extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) {
    throw new Error(`bad value, ${where}`);
  }
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes "Nan").
  const special: Record<string, number> = { nan: NaN, '+inf': Infinity, inf: Infinity, '-inf': -Infinity };
  const value = special[raw.toLowerCase()] ?? Number(raw);
  if (raw.toLowerCase() !== 'nan' && (Number.isNaN(value) || raw === ''))
    throw new Error(`bad value, ${where}`);
  return { name, labels, value };
}
