import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
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

/** At delivery time: every address the name resolves to must be public (a name can point anywhere). */
export async function assertPublicTarget(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = hostOf(url);
  const addresses = isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) {
    throw new Error(`${url.host} resolves to a private address; merchant webhooks only go to public ones`);
  }
}
