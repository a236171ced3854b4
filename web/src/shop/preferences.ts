/** While the product sheet is open the episode pauses, or keeps playing muted: the viewer's choice, kept on this device. */
export type SheetPlayback = 'pause' | 'muted';

const KEY = 'ds.shop.sheetPlayback';

export function sheetPlayback(): SheetPlayback {
  try {
    return localStorage.getItem(KEY) === 'muted' ? 'muted' : 'pause';
  } catch {
    return 'pause';
  }
}

export function setSheetPlayback(value: SheetPlayback): void {
  try {
    localStorage.setItem(KEY, value);
  } catch {
    // Storage blocked: the choice holds for this sheet only.
  }
}
