import fc from 'fast-check';
import { OPERATIONS, type Operation } from './operations';
import type { Framing } from './raw-http';
import type { AuthStyle, HostileBody, HostileCase } from './hostile-requests';

/**
 * fast-check arbitraries of hostile requests over every operation that operations.ts covers: the operation's
 * own method and a valid body most of the time (so that requests reach the deep layers), with one or more parts
 * made hostile — method, path segments, credentials, headers, body, framing.
 */

const HOSTILE_VALUES: unknown[] = [
  -1,
  0,
  -0,
  1.5,
  0.1,
  1e308,
  1e-7,
  2 ** 53 + 2,
  2 ** 63,
  -(2 ** 31),
  86_401,
  604_801,
  101,
  '',
  '0',
  '1',
  '-1',
  '1.5',
  '1e3',
  ' 1',
  '1 ',
  '0x10',
  '0b1',
  'NaN',
  'Infinity',
  '١٢',
  '½',
  null,
  true,
  false,
  'true',
  [],
  {},
  [1],
  [[[]]],
  [{}],
  { '': 1 },
  { __proto__: null },
  'constructor',
  '__proto__',
  'toString',
  '\u0000',
  '\ud800',
  '\u202e',
  'a'.repeat(70_000),
  '{message}',
  '{reservation}',
];

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Every place inside a JSON value that a mutation may hit: [] is the root. */
function placesOf(
  value: unknown,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((item, i) => placesOf(item, [...at, i], out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) placesOf(item, [...at, key], out);
  }
  return out;
}

type Mutation = { place: number; action: 'set' | 'delete' | 'add' | 'wrap'; value: unknown; key: string };

function mutate(valid: unknown, mutations: Mutation[]): unknown {
  let root = structuredClone(valid);
  for (const mutation of mutations) {
    // A copy: the generated values are shared between runs and must not be wired into each other.
    const m = { ...mutation, value: structuredClone(mutation.value) };
    const places = placesOf(root);
    const place = places[m.place % places.length]!;
    if (place.length === 0) {
      if (m.action === 'set') root = m.value;
      else if (m.action === 'wrap') root = [root];
      else if (m.action === 'add' && typeof root === 'object' && root !== null && !Array.isArray(root)) {
        (root as Record<string, unknown>)[m.key] = m.value;
      }
      continue;
    }
    // Walking a JSON value by its own paths: each step exists, whatever its type.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const parent = place.slice(0, -1).reduce<any>((node, key) => node[key], root);
    const key = place[place.length - 1]!;
    if (m.action === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (m.action === 'wrap') parent[key] = [parent[key]];
    else if (m.action === 'add' && typeof parent[key] === 'object' && parent[key] !== null)
      parent[key][m.key] = m.value;
    else parent[key] = m.value;
  }
  return root;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  place: fc.nat(),
  action: fc.constantFrom('set', 'set', 'set', 'delete', 'add', 'wrap'),
  value: hostileValue,
  key: fc.constantFrom(
    'extra',
    'n',
    'timeout',
    'body',
    'id',
    'reservation_id',
    'queue',
    '__proto__',
    'oauth',
  ),
});

const BROKEN_TEXTS = [
  '{',
  '{"messages":',
  '{"n":}',
  "{'n':1}",
  '{"n":1,}',
  'nul',
  '{"n":1e999999}',
  '{"n":123456789012345678901234567890}',
  '{"n":-0}',
  '{"n":1}{"n":2}',
  '{"n":1} trailing',
  '\ufeff{"n":1}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"messages":[{"body":"x"}],"messages":5}',
  'queue[message_timeout]=45',
  '<xml/>',
  '\u0000',
];

function bodyArbitrary(operation: Operation): fc.Arbitrary<HostileBody | undefined> {
  const valid = operation.validBody({
    projectId: '{project}',
    queue: '{queue}',
    messageId: '{message}',
    reservationId: '{reservation}',
  });
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(mutation, { maxLength: 3 }).map((ms) => ({ json: mutate(valid, ms) })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((json) => ({ json })) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.constantFrom(...BROKEN_TEXTS), fc.string({ maxLength: 40 }))
        .map((text) => ({ text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 64 })
        .map((bytes) => ({ base64: Buffer.from(bytes).toString('base64') })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          open: fc.constantFrom('[', '{"a":', '[{"b":'),
          times: fc.integer({ min: 30, max: 20_000 }),
        })
        .map(({ open, times }): HostileBody => ({ repeat: open, times, before: '{"n":', after: '' })),
    },
    {
      weight: 1,
      // Over FERRITE_MAX_REQUEST_BYTES of the fuzz server (64 KiB), or a message body over its 8 KiB.
      arbitrary: fc.integer({ min: 8 * 1024, max: 200 * 1024 }).map((times): HostileBody => ({
        repeat: 'x',
        times,
        before: '{"messages":[{"body":"',
        after: '"}]}',
      })),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const QUEUE_SEGMENTS = [
  '{queue}',
  '{queue}',
  '{queue}',
  '{queue}',
  'fuzz-new',
  'a%20b',
  'x:y+z=',
  '%C3%A9',
  '%F0%9F%92%A9',
  '%zz',
  '%',
  '%2',
  '%2e',
  '%2e%2e',
  '..',
  '.',
  '%2F',
  'a%2Fb',
  '..%2F..%2Fetc%2Fpasswd',
  '%252F',
  '%00',
  'a%00b',
  '%0A',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%E2%80%AE',
  '~',
  "'",
  '%22',
  '%3Cscript%3E',
  '%5C',
  'a;b',
  'a,b',
  'q'.repeat(255),
  'q'.repeat(256),
  'q'.repeat(3000),
  '%C3%A9'.repeat(256),
];

const PROJECT_SEGMENTS = [
  '{project}',
  '{project}',
  '{project}',
  '{project}',
  '{project}',
  '{project}',
  '{other_project}',
  'abc',
  '%zz',
  '{project}%00',
  '5E1F0C0FFEE0DDBA11CA7E01',
  '.',
  '..',
];

const MESSAGE_SEGMENTS = [
  '{message}',
  '{message}',
  '{message}',
  '1',
  '0',
  '-1',
  '1.5',
  '1e3',
  '0x1f',
  '99999999999999999999999',
  '%31',
  '١٢٣',
  'abc',
  '%00',
  '..',
  ' 1',
];

const SUFFIXES = [
  '',
  '',
  '',
  '',
  '/',
  '//',
  '/..',
  '/%2e%2e',
  '?x=1',
  '?oauth=',
  '/./',
  ';a=1',
  '?n=-1',
  '?n=1e3',
  '?n=100',
  '?n=101',
  '?n[]=1',
  '?n[a]=1',
  '?per_page=99999999999999999999',
  '?previous=%00',
  '?prefix[]=a',
  '?prefix=%zz',
  '?n=1&n=2',
  '#frag',
];

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'HEAD',
  'TRACE',
  'PROPFIND',
  'CONNECT',
  'get',
  'FOO',
];

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  '',
  'garbage',
  '*/*',
];

const EXTRA_HEADERS: [string, string][] = [
  ['Content-Encoding', 'gzip'],
  ['Content-Encoding', 'deflate'],
  ['Content-Encoding', 'br'],
  ['Content-Encoding', 'identity'],
  ['Content-Encoding', 'x-bogus'],
  ['X-HTTP-Method-Override', 'DELETE'],
  ['X-HTTP-Method-Override', 'PATCH'],
  ['X-HTTP-Method-Override', 'TRACE'],
  ['X-HTTP-Method-Override', 'x'.repeat(300)],
  ['Expect', '100-continue'],
  ['Accept', 'text/html'],
  ['Accept-Encoding', 'gzip'],
  ['Content-Length', '5'],
  ['Transfer-Encoding', 'gzip, chunked'],
  ['X-Big', 'b'.repeat(20_000)],
  ['X-Latin1', '\u00e9\u00ff'],
  ['Authorization', 'OAuth a b'],
];

const AUTHS: AuthStyle[] = [
  'header',
  'header',
  'header',
  'header',
  'header',
  'header',
  'query',
  'body',
  'none',
  'wrong',
  'other-project',
  { raw: 'OAuth' },
  { raw: 'Bearer ' + 'a'.repeat(600) },
  { raw: 'Basic dXNlcjpwYXNz' },
  { raw: 'OAuth \u00e9\u00e9' },
];

function fillTemplate(template: string, project: string, queue: string, message: string): string {
  // CrimsonQ names a consumer (a queue of the first project) `consumerId`, and a status `status`.
  const values: Record<string, string> = {
    project_id: project,
    queue_name: queue,
    message_id: message,
    consumerId: queue,
    status: 'active',
  };
  return template.replace(/\{([^}]+)\}/g, (_all, name: string) => values[name] ?? 'x');
}

/** Mostly `usual` (so that requests get past routing and auth to the deeper layers), else one of `odd`. */
function mostly<T>(usual: T, odd: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(usual) },
    { weight: 1, arbitrary: fc.constantFrom(...odd) },
  );
}

/** A hostile request against one operation of the spec, with the operation's own method most of the time. */
export const hostileCase: fc.Arbitrary<HostileCase> = fc.constantFrom(...OPERATIONS).chain((operation) =>
  fc.record({
    method: fc.oneof(
      { weight: 5, arbitrary: fc.constant(operation.method) },
      { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
    ),
    path: fc
      .record({
        project: mostly('{project}', PROJECT_SEGMENTS),
        queue: mostly('{queue}', QUEUE_SEGMENTS),
        message: mostly('{message}', MESSAGE_SEGMENTS),
        suffix: mostly('', SUFFIXES),
      })
      .map((p) => fillTemplate(operation.template, p.project, p.queue, p.message) + p.suffix),
    auth: mostly<AuthStyle>('header', AUTHS),
    headers: fc
      .record({
        contentType: fc.option(mostly('application/json', CONTENT_TYPES), { nil: undefined }),
        extra: fc.oneof(fc.constant([]), fc.array(fc.constantFrom(...EXTRA_HEADERS), { maxLength: 2 })),
      })
      .map(
        ({ contentType, extra }) =>
          [...(contentType === undefined ? [] : [['Content-Type', contentType]]), ...extra] as [
            string,
            string,
          ][],
      ),
    body: bodyArbitrary(operation),
    framing: mostly<Framing>('length', ['chunked', 'chunked', 'none', 'short-length', 'long-length']),
    pieces: fc.integer({ min: 1, max: 4 }),
    truncate: fc.integer({ min: 0, max: 9 }).map((roll) => roll === 0),
  }),
);
