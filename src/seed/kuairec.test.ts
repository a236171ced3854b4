import { describe, expect, it } from 'vitest';
import { cleanCaption, loadDemoDramaRows, parseKuaiRecCsv } from './kuairec.ts';

describe('KuaiRec demo rows', () => {
  it('parses quoted CSV with commas, doubled quotes and bare carriage returns', () => {
    const rows = parseKuaiRecCsv('a,b\n"x, y","he said ""hi"""\n"line\rbreak",2\n');
    expect(rows).toEqual([
      { a: 'x, y', b: 'he said "hi"' },
      { a: 'line break', b: '2' },
    ]);
  });

  it('removes hashtags and account mentions from captions', () => {
    expect(cleanCaption('嫁我后，欺负你的人，有我挡。 @王格格啊啊(O824089426) #米读小说 #河神的新娘')).toBe('嫁我后，欺负你的人，有我挡。');
  });

  it('loads the real short-drama rows with titles and synopses', () => {
    const rows = loadDemoDramaRows();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const river = rows.find((r) => r.videoId === '6325');
    expect(river).toMatchObject({ title: '河神娶妻', synopsis: '嫁我后，欺负你的人，有我挡。', genre: '家庭短剧' });
    for (const row of rows) {
      expect(row.title.length).toBeGreaterThan(0);
      expect(row.synopsis).not.toMatch(/@|#|\(O\d+\)/);
    }
  });
});
