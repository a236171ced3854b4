import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv, parseCsvRecords } from './csv.ts';
import { decimalToMinor, minorToDecimal } from './decimal.ts';
import { parseCatalogue } from './import-csv.ts';

const fixture = (path: string) => readFileSync(fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url)), 'utf8');

/** The reference writer: quote every field that needs it, double the quotes. */
function writeCsv(rows: string[][], eol: string): string {
  return rows.map((row) => row.map((cell) => (/[",\r\n]/.test(cell) || cell === '' ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',')).join(eol) + eol;
}

describe('CSV parser (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and CRLF records', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"line one\r\nline two",\r\n3,plain,12" ruler\r\n';
    const doc = parseCsv(text);
    expect(doc.header).toEqual(['a', 'b', 'c']);
    expect(doc.records).toEqual([
      { line: 2, cells: ['1', 'x, y', 'say "hi"'] },
      { line: 3, cells: ['2', 'line one\nline two', ''] },
      { line: 5, cells: ['3', 'plain', '12" ruler'] },
    ]);
  });

  it('accepts LF and bare CR line ends, a BOM, no final newline, and skips blank lines', () => {
    expect(parseCsvRecords('\uFEFFa,b\n1,2\r3,4\n\n5,"6"').map((r) => r.cells)).toEqual([['a', 'b'], ['1', '2'], ['3', '4'], ['5', '6']]);
    expect(parseCsvRecords('a,,\n').map((r) => r.cells)).toEqual([['a', '', '']]);
    expect(parseCsvRecords('')).toEqual([]);
  });

  it('refuses an unterminated quote and text after a closing quote, naming the line', () => {
    expect(() => parseCsvRecords('a\n"open\nstill open')).toThrow(CsvSyntaxError);
    expect(() => parseCsvRecords('a\n"open\nstill open')).toThrow(/line 2/);
    expect(() => parseCsvRecords('a,b\n"x"y,z')).toThrow(/after a closing quote/);
  });

  it('reads back whatever a correct writer wrote (property)', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r\n', '中', 'é'), maxLength: 12 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }).chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 })), fc.constantFrom('\n', '\r\n'), (rows, eol) => {
        const expected = rows.map((row) => row.map((c) => c.replaceAll('\r\n', '\n')));
        expect(parseCsvRecords(writeCsv(rows, eol)).map((r) => r.cells)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('decimal → integer minor units, exactly', () => {
  it('converts without float rounding', () => {
    expect(decimalToMinor('899.00', 'CNY')).toEqual({ ok: true, minor: 89900 });
    expect(decimalToMinor('4.9', 'CNY')).toEqual({ ok: true, minor: 490 });
    expect(decimalToMinor('0.29', 'GBP')).toEqual({ ok: true, minor: 29 }); // 0.29 * 100 = 28.999999999999996 in floats
    expect(decimalToMinor('1.15', 'GBP')).toEqual({ ok: true, minor: 115 }); // 1.15 * 100 = 114.99999999999999
    expect(decimalToMinor('165', 'GBP')).toEqual({ ok: true, minor: 16500 });
    expect(decimalToMinor('0.04', 'GBP')).toEqual({ ok: true, minor: 4 });
    expect(decimalToMinor('1.500', 'GBP')).toEqual({ ok: true, minor: 150 });
    expect(decimalToMinor('007.10', 'GBP')).toEqual({ ok: true, minor: 710 });
    expect(decimalToMinor('1200', 'JPY')).toEqual({ ok: true, minor: 1200 });
  });

  it('refuses what it cannot convert exactly', () => {
    for (const [text, currency] of [['1.005', 'GBP'], ['12.5', 'JPY'], ['-1.00', 'GBP'], ['1e3', 'GBP'], ['', 'GBP'], ['NA', 'GBP'], ['1,000.00', 'GBP'], ['.5', 'GBP'], ['99999999999999999', 'GBP']] as const) {
      expect(decimalToMinor(text, currency).ok, `${text} ${currency}`).toBe(false);
    }
  });

  it('round-trips every amount of cents (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (minor) => {
        expect(decimalToMinor(minorToDecimal(minor, 'GBP'), 'GBP')).toEqual({ ok: true, minor });
      }),
    );
  });
});

describe('the real catalogues parse cleanly', () => {
  it('litemall: 176 goods in CNY, prices exact, quoted brief kept whole, categories and image references', () => {
    const parsed = parseCatalogue('litemall', fixture('litemall/litemall_goods_zh.csv'));
    expect(parsed.rows).toBe(176);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.items).toHaveLength(176);
    const first = parsed.items.find((i) => i.sourceRef === '1006002');
    expect(first).toMatchObject({ title: '轻奢纯棉刺绣水洗四件套', description: '设计师原款，精致绣花', category: '居家 / 床品件套', brand: null, priceMinor: 89900, currency: 'CNY' });
    expect(first?.images).toEqual(['http://yanxuan.nosdn.127.net/8ab2d3287af0cefa2cc539e40600621d.png']);
    expect(parsed.items.find((i) => i.sourceRef === '1127039')?.description).toBe('精梳长绒棉,亲肤舒适');
    expect(parsed.items.find((i) => i.sourceRef === '1006013')?.brand).toBe('罗莱制造商');
    const prices = parsed.items.map((i) => i.priceMinor);
    expect(Math.min(...prices)).toBe(490);
    expect(Math.max(...prices)).toBe(419900);
  });

  it('online retail: every one of the 3,912 rows in GBP, quoted descriptions kept whole, case-distinct stock codes kept apart', () => {
    const parsed = parseCatalogue('online_retail', fixture('online_retail/online_retail_products.csv'));
    expect(parsed.rows).toBe(3912);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.items).toHaveLength(3912);
    expect(parsed.items.find((i) => i.sourceRef === '21228')).toMatchObject({ title: 'POCKET MIRROR "GLAMOROUS"', priceMinor: 125, currency: 'GBP' });
    expect(parsed.items.find((i) => i.sourceRef === '17107D')?.title).toBe("FLOWER FAIRY,5 SUMMER B'DRAW LINERS");
    expect(parsed.items.find((i) => i.sourceRef === '10002')).toMatchObject({ priceMinor: 85, unitsSold: 860 });
    expect(parsed.items.filter((i) => i.sourceRef.toUpperCase() === '15056BL').map((i) => i.sourceRef).sort()).toEqual(['15056BL', '15056bl']);
  });

  it('skips bad rows with their reasons and refuses a file without the needed columns', () => {
    const csv = [
      'stock_code,description,median_unit_price_gbp,units_sold',
      'A1,"GOOD, ONE",2.55,10',
      'A2,NO PRICE,,1',
      'A3,TOO PRECISE,1.005,1',
      'A1,DUPLICATE,3.00,1',
      ',NO CODE,1.00,1',
      'A4,FREE,0.00,1',
      'A5,SHORT ROW',
      'A6,NA,1.00,1',
    ].join('\n');
    const parsed = parseCatalogue('online_retail', csv);
    expect(parsed.items.map((i) => [i.sourceRef, i.title, i.priceMinor])).toEqual([['A1', 'GOOD, ONE', 255]]);
    expect(parsed.skipped.map((s) => [s.line, s.sourceRef, s.reason])).toEqual([
      [3, 'A2', '"" is not a decimal amount'],
      [4, 'A3', '"1.005" has more decimals than GBP has minor units (2)'],
      [5, 'A1', 'duplicate of line 2'],
      [6, null, 'no id'],
      [7, 'A4', 'price is zero'],
      [8, null, 'expected 4 fields, found 2'],
      [9, 'A6', 'no title'],
    ]);
    expect(() => parseCatalogue('litemall', csv)).toThrow(/needs the columns id, name/);
    expect(() => parseCatalogue('online_retail', 'stock_code,description\n"A1,x')).toThrow(/malformed/);
  });
});
