/**
 * Quotes a value for a filter option inside a -filter_complex string. Two parsers read it:
 * the option parser (special: \ ' :) and then the graph parser (special: \ ' [ ] , ;).
 */
export function filterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return optionLevel.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

const CJK_RANGES = '\\u2e80-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff\\uff00-\\uffef';
const CJK = new RegExp(`[${CJK_RANGES}]`);
/** One CJK character, a run of other non-space characters, or a run of spaces. */
const TOKENS = new RegExp(`[${CJK_RANGES}]|[^\\s${CJK_RANGES}]+|\\s+`, 'g');

export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

/**
 * Breaks a subtitle into lines of at most `maxUnits` width units (a CJK character counts 2,
 * others 1): Latin text breaks between words, CJK text between characters.
 */
export function wrapText(text: string, maxUnits: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    let width = 0;
    for (const token of paragraph.match(TOKENS) ?? []) {
      const units = [...token].reduce((sum, ch) => sum + (hasCjk(ch) ? 2 : 1), 0);
      const isSpace = /^\s+$/.test(token);
      if (width + units > maxUnits && line.trim()) {
        lines.push(line.trim());
        line = '';
        width = 0;
        if (isSpace) continue;
      }
      line += token;
      width += units;
    }
    if (line.trim()) lines.push(line.trim());
  }
  return lines;
}
