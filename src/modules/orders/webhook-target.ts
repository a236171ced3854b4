import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../../core/errors.ts';

/**
 * Merchant webhook URLs are typed by merchants, and the platform POSTs to them: without a guard a
 * merchant could make the server call its own database, a cloud metadata endpoint or the LAN.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** At save time: refuses literal private addresses and localhost names (no DNS needed). */
export function assertPublicUrl(url: URL, allowPrivate: boolean): void {
  if (allowPrivate) return;
  const host = hostOf(url).toLowerCase();
  const literal = isIP(host) !== 0;
  if ((literal && isPrivateAddress(host)) || host === 'localhost' || host.endsWith('.localhost')) {
    throw new AppError('VALIDATION_FAILED', 'The webhook URL must point to a public address, not a private, loopback or link-local one');
  }
}

/** Every address a name has. Deliveries take one as a dependency: tests stand in a hostile DNS. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true })).map((a) => a.address);

/**
 * At delivery time: resolves the name once and, unless private targets are allowed, refuses if any
 * address is private (a name can point anywhere). The request must then go to these addresses
 * (`postToAddresses`): asking DNS again would let a rebinding name answer public, then loopback.
 */
export async function checkedAddresses(url: URL, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<string[]> {
  const host = hostOf(url);
  const addresses = isIP(host) !== 0 ? [host] : await resolve(host);
  if (addresses.length === 0) throw new Error(`${url.host} has no address`);
  if (!allowPrivate && addresses.some(isPrivateAddress)) {
    throw new Error(`${url.host} resolves to a private address; merchant webhooks only go to public ones`);
  }
  return addresses;
}

/**
 * POSTs to the URL but connects only to the addresses given (already checked); the Host header and
 * the TLS server name stay the URL's hostname. No redirects are followed; answers the HTTP status.
 */
export function postToAddresses(url: URL, addresses: string[], init: { headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<number> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    const all = addresses.map((address) => ({ address, family: isIP(address) }));
    const [first] = all;
    if (!first) callback(new Error('no address to connect to'), '');
    else if (options.all) callback(null, all);
    else callback(null, first.address, first.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // No shared agent: a pooled socket to the same host may have been opened without this lookup.
    const request = send(
      url,
      { method: 'POST', headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) }, lookup: pinned, agent: false, signal: init.signal },
      (response) => {
        // Only the status matters; a body cut off by the timeout is no error.
        response.on('error', () => undefined).resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}
