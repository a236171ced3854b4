import { randomBytes } from 'node:crypto';

// Crockford base32: sortable as text, no ambiguous letters.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const ID_PREFIXES = {
  user: 'usr',
  org: 'org',
  session: 'ses',
  apiToken: 'tok',
  series: 'ser',
  episode: 'ep',
  upload: 'upl',
  asset: 'ast',
  job: 'job',
  device: 'dev',
  event: 'evt',
  account: 'acc',
  entry: 'jrn',
  posting: 'pst',
  lot: 'lot',
  spend: 'spd',
  payment: 'pay',
  paymentEvent: 'pev',
  sandboxPayment: 'sbp',
  sandboxRefund: 'sbr',
  sandboxEvent: 'sbe',
  entitlement: 'ent',
  topUp: 'top',
  adUnlock: 'adu',
  sandboxAdView: 'sbv',
  vipPurchase: 'vpp',
  vipPeriod: 'vpr',
  offer: 'ofr',
  placement: 'plc',
  touch: 'tch',
  product: 'prd',
  sku: 'sku',
  reservation: 'rsv',
  order: 'ord',
  orderLine: 'orl',
  orderRefund: 'orf',
  checkout: 'chk',
  cartItem: 'cit',
  webhookEndpoint: 'whe',
  webhookDelivery: 'whd',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

let lastTime = 0;
let lastRandom: number[] = [];
// One call to the CSPRNG per 256 fresh draws (one per millisecond that makes an id): at checkout's
// rates most ids fall in a millisecond of their own, and a call each cost more than the rest of newId.
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let poolOffset = 0;

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function nextRandom(now: number): number[] {
  if (now === lastTime && lastRandom.length === 16) {
    // Same millisecond: increment so ids made in one process stay strictly ordered.
    const next = [...lastRandom];
    for (let i = next.length - 1; i >= 0; i--) {
      const digit = next[i] ?? 0;
      if (digit < 31) {
        next[i] = digit + 1;
        return next;
      }
      next[i] = 0;
    }
  }
  if (poolOffset + 16 > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    poolOffset = 0;
  }
  const bytes = randomPool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return Array.from(bytes, (b) => b % 32);
}

/** A ULID-shaped id with a readable prefix: time-ordered, 26 chars after the prefix. */
export function newId(kind: IdKind): string {
  const now = Date.now();
  const random = nextRandom(now);
  lastTime = now;
  lastRandom = random;
  return `${ID_PREFIXES[kind]}_${encodeTime(now)}${random.map((d) => ALPHABET[d]).join('')}`.toLowerCase();
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${ID_PREFIXES[kind]}_`);
}
