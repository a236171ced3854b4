import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { isApiError } from '../api/client.ts';
import { paywall, type SeriesOffer } from '../api/paywall.ts';
import { bumpAccess } from './access-version.ts';
import { useIntentKeys } from './intent-key.ts';
import { goToHostedPage, returnUrlHere } from './pending-payment.ts';

/** After any change of what the viewer owns: balances, grids and locked players all ask again. */
export function useAccessChanged(): () => void {
  const client = useQueryClient();
  return useCallback(() => {
    void client.invalidateQueries({ queryKey: ['paywall'] });
    void client.invalidateQueries({ queryKey: ['series'] });
    bumpAccess();
  }, [client]);
}

/** Coins → this episode. A retry of the same tap (network hiccup, 5xx) reuses its Idempotency-Key. */
export function useEpisodeUnlock(episodeId: string) {
  const keys = useIntentKeys();
  const changed = useAccessChanged();
  const intent = `episode:${episodeId}`;
  return useMutation({
    mutationFn: () => paywall.unlockEpisode(episodeId, keys.key(intent)),
    onSuccess: () => {
      keys.done(intent);
      changed();
    },
  });
}

/** Coins → the rest of the series (or the bundle), at exactly the price the viewer was shown. */
export function useSeriesUnlock(seriesId: string) {
  const keys = useIntentKeys();
  const changed = useAccessChanged();
  const intentOf = (offer: SeriesOffer, coins: number) => `series:${seriesId}:${offer}:${coins}`;
  return useMutation({
    // fromEpisodeNumber: the sheet's "rest" starts at the episode it was opened on, as its price does.
    mutationFn: ({ offer, expectedCoins, fromEpisodeNumber }: { offer: SeriesOffer; expectedCoins: number; fromEpisodeNumber?: number }) =>
      paywall.unlockSeries(seriesId, offer, expectedCoins, keys.key(intentOf(offer, expectedCoins)), fromEpisodeNumber),
    onSuccess: (_result, { offer, expectedCoins }) => {
      keys.done(intentOf(offer, expectedCoins));
      changed();
    },
    onError: (error) => {
      // The price moved (an episode was added or repriced): show the new one; the next tap is a new intent.
      if (isApiError(error, 'PRICE_CHANGED')) changed();
    },
  });
}

/** A coin pack: creates the payment, then leaves for the hosted page, which sends the viewer back here. */
export function useTopUp() {
  const keys = useIntentKeys();
  return useMutation({
    mutationFn: (packId: string) => paywall.topUp(packId, returnUrlHere(), keys.key(`top-up:${packId}`)),
    onSuccess: (created, packId) => {
      keys.done(`top-up:${packId}`);
      goToHostedPage(created.paymentId, 'coins', created.redirectUrl);
    },
  });
}
