import { describe, expect, it } from 'vitest';
import { hasPrefix, newId } from './ids.ts';

describe('newId', () => {
  it('gives 20,000 distinct, strictly ordered ids with their prefix', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('order'));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect((ids[i] ?? '') > (ids[i - 1] ?? '')).toBe(true);
    expect(ids.every((id) => hasPrefix(id, 'order') && /^ord_[0-9a-hjkmnp-tv-z]{26}$/.test(id))).toBe(true);
  });

  it('draws fresh randomness each millisecond, across refills of the pool: 600 draws (more than two pools) all differ', async () => {
    const tails = new Set<string>();
    const ids: string[] = [];
    for (let i = 0; i < 600; i++) {
      const id = newId('sku');
      ids.push(id);
      tails.add(id.slice(-16));
      // A new millisecond for the next id, so each one draws from the pool rather than incrementing.
      const now = Date.now();
      while (Date.now() === now) await Promise.resolve();
    }
    expect(tails.size).toBe(600);
    expect(ids.every((id) => /^sku_[0-9a-hjkmnp-tv-z]{26}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });
});
