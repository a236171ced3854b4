import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';

/**
 * The one place that reads the environment. Everything else receives a typed Config.
 */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  mediaDir: string;
  databaseUrl: string | null;
  /** Connections each process keeps to PostgreSQL (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  redisUrl: string | null;
  natsUrl: string | null;
  logLevel: string;
  seedDemo: boolean;
  secrets: Secrets;
  media: {
    tokenTtlSeconds: number;
    uploadMaxBytes: number;
    maxDurationMs: number;
    ffmpegPath: string | null;
    ffprobePath: string | null;
    transcodeThreads: number;
  };
  auth: {
    sessionTtlDays: number;
    secureCookies: boolean;
    scryptCost: number;
  };
  worker: {
    pollIntervalMs: number;
    concurrency: number;
    /** Jobs that finished successfully are deleted this long after (dead ones are kept). */
    jobRetentionMs: number;
  };
  webDir: string;
  payments: {
    /** The provider new payments go to. */
    provider: PaymentProviderName;
    /** Set when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are: Stripe then takes webhooks even if not the default. */
    stripe: StripeConfig | null;
    /** The sandbox sends some webhooks twice, as real providers do; tests keep it on. */
    sandboxDuplicateWebhooks: boolean;
    webhookToleranceSeconds: number;
  };
  wallet: {
    /** Operator default spending caps (coins) for viewers who set none; null = no cap. */
    defaultDailyCapCoins: number | null;
    defaultMonthlyCapCoins: number | null;
    /** How often a worker writes off expired bonus coins. */
    bonusExpiryIntervalMs: number;
  };
  ads: {
    /** Ad unlocks a viewer may be granted per UTC day. */
    dailyCap: number;
    /** The sandbox network's clip length; the ad counts as watched only after this long. */
    sandboxDurationMs: number;
    /** How far a reward callback's timestamp may be from now (either way). */
    callbackToleranceSeconds: number;
  };
  attribution: {
    /** A purchase up to this long after a card click (inclusive) is attributed to it. */
    clickWindowMs: number;
    /** A purchase up to this long after a card impression (inclusive) is attributed to it. */
    impressionWindowMs: number;
  };
  checkout: {
    /** How long a checkout holds stock for an unpaid order before it is cancelled. */
    reservationMs: number;
    /** How often a worker cancels unpaid orders past their reservation. */
    expiryIntervalMs: number;
    /** Merchant webhooks may target private, loopback and link-local addresses (off: SSRF guard). */
    webhooksAllowPrivate: boolean;
  };
}

export interface Secrets {
  sessionSecret: string;
  mediaSecret: string;
  paymentsWebhookSecret: string;
  /** Seeds the sandbox ad network's ECDSA signing key (it stands in for the network's own key). */
  adsSandboxSecret: string;
}

export type PaymentProviderName = 'sandbox' | 'stripe';

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function intFrom(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function optionalIntFrom(env: Env, name: string, min: number, max: number): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw.toLowerCase() === 'none') return null;
  return intFrom(env, name, min, min, max);
}

function boolFrom(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function urlFrom(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}`);
  }
  return raw;
}

/** Secrets not given in the environment are generated once and kept in DATA_DIR. */
function loadSecrets(env: Env, dataDir: string): Secrets {
  const file = join(dataDir, 'secrets.json');
  let stored: Partial<Secrets> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
  const secrets: Secrets = {
    sessionSecret: env.SESSION_SECRET ?? stored.sessionSecret ?? randomBytes(32).toString('base64url'),
    mediaSecret: env.MEDIA_SECRET ?? stored.mediaSecret ?? randomBytes(32).toString('base64url'),
    paymentsWebhookSecret: env.PAYMENTS_WEBHOOK_SECRET ?? stored.paymentsWebhookSecret ?? randomBytes(32).toString('base64url'),
    adsSandboxSecret: env.ADS_SANDBOX_SECRET ?? stored.adsSandboxSecret ?? randomBytes(32).toString('base64url'),
  };
  if (
    stored.sessionSecret !== secrets.sessionSecret ||
    stored.mediaSecret !== secrets.mediaSecret ||
    stored.paymentsWebhookSecret !== secrets.paymentsWebhookSecret ||
    stored.adsSandboxSecret !== secrets.adsSandboxSecret
  ) {
    if (!env.SESSION_SECRET || !env.MEDIA_SECRET || !env.PAYMENTS_WEBHOOK_SECRET || !env.ADS_SANDBOX_SECRET) {
      writeFileSync(file, JSON.stringify({ ...stored, ...secrets }, null, 2), { mode: 0o600 });
    }
  }
  return secrets;
}

function paymentProviderFrom(env: Env): PaymentProviderName {
  const raw = env.PAYMENTS_PROVIDER ?? 'sandbox';
  if (raw !== 'sandbox' && raw !== 'stripe') throw new ConfigError(`PAYMENTS_PROVIDER must be sandbox or stripe, got "${raw}"`);
  return raw;
}

/** Both Stripe secrets or neither; both when Stripe is the provider. Unlike ours, these cannot be generated. */
function stripeFrom(env: Env, provider: PaymentProviderName): StripeConfig | null {
  const secretKey = env.STRIPE_SECRET_KEY ?? '';
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET ?? '';
  if (!secretKey && !webhookSecret && provider !== 'stripe') return null;
  const missing = [!secretKey && 'STRIPE_SECRET_KEY', !webhookSecret && 'STRIPE_WEBHOOK_SECRET'].filter((name) => name !== false);
  if (missing.length > 0) {
    const why = provider === 'stripe' ? 'PAYMENTS_PROVIDER=stripe needs' : 'Stripe is half configured: set';
    throw new ConfigError(`${why} ${missing.join(' and ')} (the secret key sk_… or rk_… and the webhook endpoint's signing secret whsec_…)`);
  }
  if (!/^(sk|rk)_/.test(secretKey)) throw new ConfigError('STRIPE_SECRET_KEY must be a secret or restricted key (sk_… or rk_…), not a publishable one');
  if (!webhookSecret.startsWith('whsec_')) throw new ConfigError('STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…)');
  return { secretKey, webhookSecret };
}

export function loadConfig(env: Env = process.env): Config {
  const port = intFrom(env, 'PORT', 3000, 0, 65535);
  const dataDir = resolve(env.DATA_DIR ?? './data');
  mkdirSync(dataDir, { recursive: true });
  const publicUrl = urlFrom(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`;
  const mediaDir = resolve(env.MEDIA_DIR ?? join(dataDir, 'media'));
  mkdirSync(mediaDir, { recursive: true });
  const paymentsProvider = paymentProviderFrom(env);
  const stripe = stripeFrom(env, paymentsProvider);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    publicUrl: publicUrl.replace(/\/$/, ''),
    dataDir,
    mediaDir,
    databaseUrl: urlFrom(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: intFrom(env, 'DATABASE_POOL_SIZE', 10, 1, 500),
    redisUrl: urlFrom(env, 'REDIS_URL', ['redis:', 'rediss:']),
    natsUrl: urlFrom(env, 'NATS_URL', ['nats:', 'tls:']),
    logLevel: env.LOG_LEVEL ?? 'info',
    seedDemo: boolFrom(env, 'SEED_DEMO', true),
    secrets: loadSecrets(env, dataDir),
    media: {
      tokenTtlSeconds: intFrom(env, 'MEDIA_TOKEN_TTL_SECONDS', 600, 5, 86_400),
      uploadMaxBytes: intFrom(env, 'UPLOAD_MAX_BYTES', 2 * 1024 ** 3, 1024, 20 * 1024 ** 3),
      maxDurationMs: intFrom(env, 'UPLOAD_MAX_DURATION_MS', 10 * 60_000, 1000, 4 * 3600_000),
      ffmpegPath: env.FFMPEG_PATH ?? null,
      ffprobePath: env.FFPROBE_PATH ?? null,
      transcodeThreads: intFrom(env, 'TRANSCODE_THREADS', 0, 0, 64),
    },
    auth: {
      sessionTtlDays: intFrom(env, 'SESSION_TTL_DAYS', 30, 1, 365),
      secureCookies: publicUrl.startsWith('https:'),
      // OWASP: scrypt N=2^17, r=8, p=1. Lowering it is allowed only for test runs.
      scryptCost: intFrom(env, 'SCRYPT_COST', 131_072, 1024, 1_048_576),
    },
    worker: {
      pollIntervalMs: intFrom(env, 'WORKER_POLL_MS', 500, 10, 60_000),
      concurrency: intFrom(env, 'WORKER_CONCURRENCY', 1, 1, 16),
      jobRetentionMs: intFrom(env, 'JOB_RETENTION_MS', 7 * 86_400_000, 0, 3650 * 86_400_000),
    },
    webDir: resolve(env.WEB_DIR ?? './dist/web'),
    payments: {
      provider: paymentsProvider,
      stripe,
      sandboxDuplicateWebhooks: boolFrom(env, 'PAYMENTS_SANDBOX_DUPLICATE_WEBHOOKS', false),
      webhookToleranceSeconds: intFrom(env, 'PAYMENTS_WEBHOOK_TOLERANCE_SECONDS', 300, 10, 3600),
    },
    wallet: {
      defaultDailyCapCoins: optionalIntFrom(env, 'WALLET_DEFAULT_DAILY_CAP', 0, 1_000_000_000),
      defaultMonthlyCapCoins: optionalIntFrom(env, 'WALLET_DEFAULT_MONTHLY_CAP', 0, 1_000_000_000),
      bonusExpiryIntervalMs: intFrom(env, 'WALLET_EXPIRY_INTERVAL_MS', 10 * 60_000, 100, 24 * 3600_000),
    },
    ads: {
      dailyCap: intFrom(env, 'ADS_DAILY_CAP', 5, 0, 1000),
      sandboxDurationMs: intFrom(env, 'ADS_SANDBOX_DURATION_MS', 15_000, 200, 120_000),
      callbackToleranceSeconds: intFrom(env, 'ADS_CALLBACK_TOLERANCE_SECONDS', 300, 10, 3600),
    },
    attribution: {
      clickWindowMs: intFrom(env, 'ATTRIBUTION_CLICK_WINDOW_MS', 7 * 86_400_000, 0, 366 * 86_400_000),
      impressionWindowMs: intFrom(env, 'ATTRIBUTION_IMPRESSION_WINDOW_MS', 86_400_000, 0, 366 * 86_400_000),
    },
    checkout: {
      reservationMs: intFrom(env, 'CHECKOUT_RESERVATION_MS', 15 * 60_000, 1000, 7 * 86_400_000),
      expiryIntervalMs: intFrom(env, 'CHECKOUT_EXPIRY_INTERVAL_MS', 30_000, 100, 3600_000),
      webhooksAllowPrivate: boolFrom(env, 'MERCHANT_WEBHOOKS_ALLOW_PRIVATE', false),
    },
  };
}
