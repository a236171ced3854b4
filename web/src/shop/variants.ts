import type { Sku } from '../api/shop.ts';

/** Variant choice over a product's SKUs: option names and values, and which combinations can be bought. */

export type Selection = Record<string, string>;

/** Option names in the order they first appear ("colour", then "size"). */
export function optionKeys(skus: Sku[]): string[] {
  const keys: string[] = [];
  for (const sku of skus) for (const key of Object.keys(sku.options)) if (!keys.includes(key)) keys.push(key);
  return keys;
}

export function optionValues(skus: Sku[], key: string): string[] {
  const values: string[] = [];
  for (const sku of skus) {
    const value = sku.options[key];
    if (value !== undefined && !values.includes(value)) values.push(value);
  }
  return values;
}

const buyable = (sku: Sku): boolean => sku.stock.state !== 'sold_out' && sku.stock.available > 0;

function matches(sku: Sku, selection: Selection, except?: string): boolean {
  return Object.entries(selection).every(([key, value]) => key === except || sku.options[key] === value);
}

/** The SKU the selection names, once every option is chosen. */
export function selectedSku(skus: Sku[], selection: Selection): Sku | null {
  const keys = optionKeys(skus);
  if (keys.some((key) => selection[key] === undefined)) return keys.length === 0 ? (skus[0] ?? null) : null;
  return skus.find((sku) => keys.every((key) => sku.options[key] === selection[key])) ?? null;
}

export type ValueState = 'available' | 'other-choice' | 'sold-out';

/**
 * 'sold-out': no SKU with this value is in stock (not selectable); 'other-choice': in stock, but not
 * together with the other options chosen (selecting it re-picks them); 'available' otherwise.
 */
export function valueState(skus: Sku[], selection: Selection, key: string, value: string): ValueState {
  const withValue = skus.filter((sku) => sku.options[key] === value && buyable(sku));
  if (withValue.length === 0) return 'sold-out';
  return withValue.some((sku) => matches(sku, selection, key)) ? 'available' : 'other-choice';
}

/** Picks a value; when the others no longer fit, takes them from the closest SKU in stock. */
export function pick(skus: Sku[], selection: Selection, key: string, value: string): Selection {
  const wanted = { ...selection, [key]: value };
  if (skus.some((sku) => buyable(sku) && matches(sku, wanted))) return wanted;
  const score = (sku: Sku): number => Object.entries(wanted).filter(([k, v]) => sku.options[k] === v).length;
  const best = skus
    .filter((sku) => sku.options[key] === value && buyable(sku))
    .sort((a, b) => score(b) - score(a))[0];
  return best ? { ...best.options } : wanted;
}

/** The first SKU in stock (or the first at all) preselected, so one tap on "buy" works. */
export function initialSelection(skus: Sku[]): Selection {
  const first = skus.find(buyable) ?? skus[0];
  return first ? { ...first.options } : {};
}
