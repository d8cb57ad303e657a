import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, request } from 'undici';
import type { DeliveryResult } from '../domain/types';

/** Addresses a subscriber URL may not reach unless allowed: loopback, private, link-local, metadata, unspecified. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) return PRIVATE.check(address, 'ipv6');
  return false;
}

/** Thrown (as a connect error) when a subscriber resolves to a refused address. */
const BLOCKED = 'FERRITE_BLOCKED_ADDRESS';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** dns.lookup that refuses private addresses: checked on the addresses actually connected to, so DNS cannot dodge it. */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses;
    const refused = list.find((entry) => isPrivateAddress(entry.address));
    if (refused) {
      const blocked: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to a private address (${refused.address})`,
      );
      blocked.code = BLOCKED;
      return callback(blocked, []);
    }
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first)
      return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}

/** Failure texts by undici's and Node's stable error codes: recorded as the push status `msg`. */
const FAILURES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'Connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'Timed out waiting for the response',
  UND_ERR_BODY_TIMEOUT: 'Timed out reading the response',
  UND_ERR_SOCKET: 'Connection closed by the subscriber',
  UND_ERR_ABORTED: 'Delivery timed out',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset',
  ENOTFOUND: 'Host not found',
  EAI_AGAIN: 'Host lookup failed',
  EHOSTUNREACH: 'Host unreachable',
  ENETUNREACH: 'Network unreachable',
  [BLOCKED]: 'Subscriber address is private (set FERRITE_PUSH_ALLOW_PRIVATE=true to allow)',
};

function codeOf(error: unknown): string {
  let current: unknown = error;
  // undici wraps the socket error as `cause`.
  for (let depth = 0; depth < 3 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code in FAILURES) return code;
    if (
      (current as { name?: unknown }).name === 'TimeoutError' ||
      (current as { name?: unknown }).name === 'AbortError'
    ) {
      return 'UND_ERR_ABORTED';
    }
    current = (current as { cause?: unknown }).cause;
  }
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

export interface PushClient {
  post(url: string, body: string, headers: Record<string, string>): Promise<DeliveryResult>;
  close(): Promise<void>;
}

/** Delivers over HTTP with undici: one pooled Agent (connection reuse), a timeout for the whole attempt. */
export function createPushClient(options: { timeoutMs: number; allowPrivate: boolean }): PushClient {
  const agent = new Agent({
    connect: { timeout: options.timeoutMs, ...(options.allowPrivate ? {} : { lookup: guardedLookup }) },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 30_000,
    connections: 64,
  });
  return {
    async post(url, body, headers) {
      if (!options.allowPrivate) {
        const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
        // A literal IP skips DNS, so the lookup guard never sees it.
        if (isIP(host) && isPrivateAddress(host)) {
          return { kind: 'failed', statusCode: null, error: FAILURES[BLOCKED]! };
        }
      }
      try {
        const response = await request(url, {
          method: 'POST',
          body,
          headers,
          dispatcher: agent,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        // The body is not needed; reading it frees the connection for reuse.
        await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        const status = response.statusCode;
        if (status === 202) return { kind: 'held', statusCode: status };
        if (status >= 200 && status < 300) return { kind: 'delivered', statusCode: status };
        return { kind: 'failed', statusCode: status, error: `Subscriber answered HTTP ${status}` };
      } catch (error) {
        const code = codeOf(error);
        return { kind: 'failed', statusCode: null, error: FAILURES[code] ?? `Delivery failed (${code})` };
      }
    },
    close: () => agent.close(),
  };
}
