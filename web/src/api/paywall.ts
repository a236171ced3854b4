import { apiRequest, api } from './client.ts';

/** Shapes and calls of the paywall contract (notes/paywall-contract.md): unlocks, wallet, VIP, ads. */

const enc = encodeURIComponent;

export interface Balance {
  total: number;
  paid: number;
  bonus: number;
}

export interface CoinPack {
  id: string;
  coins: number;
  bonus: number;
  priceMinor: number;
  currency: string;
}

export interface VipPlan {
  id: string;
  days: number;
  priceMinor: number;
  currency: string;
}

export interface AdOffer {
  allowed: boolean;
  /** null when signed out or when the series takes no ads. */
  remainingToday: number | null;
  dailyCap: number;
}

export interface VipOffer {
  inVip: boolean;
  active: boolean;
  plans: VipPlan[];
}

/** The `unlock` object of a 403 ENTITLEMENT_REQUIRED answer. */
export interface UnlockOptions {
  episodeId: string;
  seriesId: string;
  episodeNumber: number;
  priceCoins: number;
  costToFinishCoins: number;
  lockedToFinish: number;
  bundle: { priceCoins: number } | null;
  balance: Balance | null;
  ad: AdOffer;
  vip: VipOffer;
  packs: CoinPack[];
}

export type EpisodeAccessState = 'free' | 'owned' | 'vip' | 'locked';

export interface SeriesAccess {
  seriesId: string;
  episodes: { id: string; number: number; title: string; state: EpisodeAccessState; priceCoins: number }[];
  costToFinishCoins: number;
  lockedCount: number;
  bundle: { priceCoins: number } | null;
  ownsSeries: boolean;
  balance: Balance | null;
  vip: VipOffer;
  ad: AdOffer;
}

export interface EpisodeUnlockResult {
  unlocked: true;
  alreadyOwned: boolean;
  coinsSpent: number;
  balanceAfter: number | null;
}

export interface SeriesUnlockResult {
  unlocked: true;
  coinsSpent: number;
  balanceAfter: number | null;
  episodeIds: string[];
}

export type SeriesOffer = 'bundle' | 'rest';

export interface Redirect {
  paymentId: string;
  redirectUrl: string;
}

export interface WalletBalances extends Balance {
  bonusLots: { remaining: number; expiresAt: string; source: string }[];
}

export interface SpendingCaps {
  dailyCoins: number | null;
  monthlyCoins: number | null;
  isDefault: boolean;
  spentToday: number;
  spentThisMonth: number;
}

export interface Wallet {
  balances: WalletBalances;
  caps: SpendingCaps;
  packs: CoinPack[];
  checkIn: { checkedInToday: boolean; streak: number; nextReward: number };
}

export interface WalletEntry {
  entryId: string;
  kind: string;
  description: string;
  amount: number;
  paid: number;
  bonus: number;
  balanceAfter: number;
  paidAfter: number;
  bonusAfter: number;
  createdAt: string;
}

export interface WalletHistoryPage {
  items: WalletEntry[];
  nextCursor: string | null;
}

export interface CheckInResult {
  checkedIn: boolean;
  alreadyCheckedIn: boolean;
  streak: number;
  coins: number;
  expiresAt: string | null;
  balances: WalletBalances;
}

export interface VipMembership {
  active: boolean;
  planId: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  autoRenew: boolean;
  cancelled: boolean;
}

export interface VipState {
  plans: VipPlan[];
  membership: VipMembership | null;
}

export type PaymentStatus = 'requires_payment' | 'succeeded' | 'failed' | 'refunded' | 'partially_refunded';

export interface AdUnlockStart {
  adUnlockId: string;
  creativeUrl: string;
  durationMs: number;
  completeUrl: string;
}

export interface AdUnlockState {
  id: string;
  episodeId: string;
  status: 'watching' | 'granted' | 'refused';
  reason: string | null;
}

export interface CoinPurchase {
  paymentId: string;
  packId: string | null;
  description: string;
  amountMinor: number;
  currency: string;
  status: PaymentStatus;
  createdAt: string;
  paidAt: string | null;
  refundable: boolean;
}

export interface SeriesPricing {
  freeEpisodes: number;
  bundlePriceCoins: number | null;
  inVip: boolean;
  adUnlock: boolean;
}

export const paywall = {
  setSeriesPricing: (seriesId: string, pricing: SeriesPricing) => api.patch<unknown>(`/api/v1/series/${enc(seriesId)}`, pricing),
  seriesAccess: (seriesId: string) => api.get<SeriesAccess>(`/api/v1/series/${enc(seriesId)}/access`),
  unlockEpisode: (episodeId: string, key: string) =>
    apiRequest<EpisodeUnlockResult>('POST', `/api/v1/episodes/${enc(episodeId)}/unlock`, { idempotencyKey: key }),
  unlockSeries: (seriesId: string, offer: SeriesOffer, expectedCoins: number, key: string, fromEpisodeNumber?: number) =>
    apiRequest<SeriesUnlockResult>('POST', `/api/v1/series/${enc(seriesId)}/unlock`, { body: { offer, expectedCoins, ...(fromEpisodeNumber === undefined ? {} : { fromEpisodeNumber }) }, idempotencyKey: key }),
  topUp: (packId: string, returnUrl: string, key: string) =>
    apiRequest<Redirect>('POST', '/api/v1/wallet/top-ups', { body: { packId, returnUrl }, idempotencyKey: key }),
  purchases: () => api.get<{ items: CoinPurchase[] }>('/api/v1/wallet/top-ups'),
  refundPurchase: (paymentId: string, key: string) =>
    apiRequest<{ coins: number; bonus: number; status: 'refund_pending' }>('POST', `/api/v1/wallet/top-ups/${enc(paymentId)}/refund`, { idempotencyKey: key }),
  payment: (paymentId: string) => api.get<{ id: string; status: PaymentStatus }>(`/api/v1/payments/${enc(paymentId)}`),

  wallet: () => api.get<Wallet>('/api/v1/wallet'),
  walletHistory: (cursor: string | null) =>
    api.get<WalletHistoryPage>(`/api/v1/wallet/history?limit=30${cursor ? `&cursor=${enc(cursor)}` : ''}`),
  checkIn: () => api.post<CheckInResult>('/api/v1/wallet/check-in'),
  setCaps: (caps: { dailyCoins: number | null; monthlyCoins: number | null }) => api.put<SpendingCaps>('/api/v1/wallet/caps', caps),

  vip: () => api.get<VipState>('/api/v1/vip'),
  buyVip: (planId: string, autoRenew: boolean, returnUrl: string, key: string) =>
    apiRequest<Redirect>('POST', '/api/v1/vip/purchases', { body: { planId, autoRenew, returnUrl }, idempotencyKey: key }),
  setAutoRenew: (autoRenew: boolean) => api.put<VipMembership>('/api/v1/vip/auto-renew', { autoRenew }),
  cancelVip: () => api.post<VipMembership>('/api/v1/vip/cancel'),

  startAd: (episodeId: string, key: string) =>
    apiRequest<AdUnlockStart>('POST', `/api/v1/episodes/${enc(episodeId)}/ad-unlocks`, { idempotencyKey: key }),
  completeAd: (completeUrl: string) => api.post<unknown>(completeUrl),
  adUnlock: (id: string) => api.get<AdUnlockState>(`/api/v1/ad-unlocks/${enc(id)}`),
};

export const paywallKeys = {
  access: (seriesId: string) => ['paywall', 'access', seriesId] as const,
  wallet: ['paywall', 'wallet'] as const,
  walletHistory: ['paywall', 'wallet', 'history'] as const,
  purchases: ['paywall', 'wallet', 'purchases'] as const,
  vip: ['paywall', 'vip'] as const,
};
