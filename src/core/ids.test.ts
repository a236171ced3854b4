import { describe, expect, it } from 'vitest';
import { hasPrefix, newId } from './ids.ts';

describe('newId', () => {
  it('gives 20,000 distinct, strictly ordered ids with their prefix, across refills of the random pool', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('order'));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect((ids[i] ?? '') > (ids[i - 1] ?? '')).toBe(true);
    expect(ids.every((id) => hasPrefix(id, 'order') && /^ord_[0-9a-hjkmnp-tv-z]{26}$/.test(id))).toBe(true);
  });

  it('draws fresh randomness each millisecond: the random parts of ids from different milliseconds differ', async () => {
    const tails = new Set<string>();
    for (let i = 0; i < 50; i++) {
      tails.add(newId('sku').slice(-16));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(tails.size).toBe(50);
  });
});
