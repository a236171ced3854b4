import { describe, expect, it } from 'vitest';
import { contentTypeFor, parseRange, safeRelativePath } from './media-files.ts';

describe('media file helpers', () => {
  it('keeps paths inside the asset folder', () => {
    expect(safeRelativePath('master.m3u8')).toBe('master.m3u8');
    expect(safeRelativePath('720p/seg_003.ts')).toBe('720p/seg_003.ts');
    for (const bad of ['', '../x.ts', '720p/../../x.ts', '/etc/passwd', '720p//seg.ts', '.hidden.ts', '720p\\..\\x.ts', 'a/b/c/d/e.ts', 'seg%2e.ts', 'x\0.ts', '..', '.']) {
      expect(safeRelativePath(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('names the content types of HLS files and nothing else', () => {
    expect(contentTypeFor('master.m3u8')).toBe('application/vnd.apple.mpegurl');
    expect(contentTypeFor('720p/seg_001.ts')).toBe('video/mp2t');
    expect(contentTypeFor('poster.jpg')).toBe('image/jpeg');
    expect(contentTypeFor('sprite.vtt')).toMatch(/^text\/vtt/);
    expect(contentTypeFor('key.key')).toBeNull();
    expect(contentTypeFor('source')).toBeNull();
  });

  it('parses single byte ranges and refuses unsatisfiable ones', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'range', range: { start: 0, end: 9 } });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'range', range: { start: 90, end: 99 } });
    expect(parseRange('bytes=90-500', 100)).toEqual({ kind: 'range', range: { start: 90, end: 99 } });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', range: { start: 90, end: 99 } });
    expect(parseRange('bytes=-500', 100)).toEqual({ kind: 'range', range: { start: 0, end: 99 } });
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=5-4', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    // Several ranges or other units: the whole file, as RFC 9110 allows.
    expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'none' });
    expect(parseRange('items=0-1', 100)).toEqual({ kind: 'none' });
  });
});
