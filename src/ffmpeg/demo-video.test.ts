import { existsSync } from 'node:fs';
import { copyFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from './binaries.ts';
import { findCjkFont, findLatinFont, renderDemoEpisode, sceneFrames } from './demo-video.ts';
import { filterValue, wrapText } from './filter-text.ts';
import { parseSceneCuts } from './hls-output.ts';
import { probeUpload } from './probe.ts';
import { makeTempDir } from './test-clips.ts';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('demo'));
});
afterAll(() => cleanup());

describe('fonts', () => {
  it('finds fonts that exist, or reports none', () => {
    for (const font of [findCjkFont(), findLatinFont()]) {
      if (font !== null) expect(existsSync(font)).toBe(true);
    }
  });
});

describe('sceneFrames', () => {
  it('gives the title card up to 3 s and shares the rest by weight, adding up exactly', () => {
    const frames = sceneFrames(30_000, [1, 1, 2]);
    expect(frames.reduce((a, b) => a + b, 0)).toBe(720);
    expect(frames[0]).toBe(72);
    expect(frames[3]).toBeGreaterThan(frames[1]! * 1.9);
  });
});

describe('text helpers', () => {
  it('escapes filter values for both parsing levels', () => {
    expect(filterValue("/fonts/it's: [x],y;z.ttf")).toBe("/fonts/it\\\\\\'s\\\\: \\[x\\]\\,y\\;z.ttf");
  });

  it.runIf(findLatinFont() !== null)('ffmpeg accepts a font path full of filter-graph syntax', async () => {
    const font = join(dir, "it's: [x],y;z.ttf");
    await copyFile(findLatinFont()!, font);
    const out = join(dir, 'font-path.mp4');
    await renderDemoEpisode({
      outPath: out, width: 180, height: 320, durationMs: 2000, fontFile: font, seriesTitle: 'T', episodeNumber: 1, episodeTitle: 'E',
      scenes: [{ durationMs: 1000, background: 'navy', subtitle: 'Hello' }],
    });
    expect((await stat(out)).size).toBeGreaterThan(1000);
  });

  it('wraps Latin text by words and CJK text by characters', () => {
    expect(wrapText('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrapText('你终于回来了这三年', 8)).toEqual(['你终于回', '来了这三', '年']);
  });
});

describe('renderDemoEpisode', () => {
  it('renders a 9:16 episode of the asked length whose scene changes are detectable', async () => {
    const out = join(dir, 'episode.mp4');
    const scenes = [
      { durationMs: 2000, background: '#c0392b', subtitle: '你终于回来了。' },
      { durationMs: 2000, background: '#2980b9', subtitle: "Where were you? (it's late: 3 a.m.)" },
      { durationMs: 2000, background: '#27ae60', subtitle: '别走！' },
    ];
    await renderDemoEpisode({
      outPath: out,
      width: 360,
      height: 640,
      durationMs: 8000,
      seriesTitle: '雨夜的约定',
      episodeNumber: 2,
      episodeTitle: 'The return',
      scenes,
    });
    const probe = await probeUpload(out, { maxBytes: 50 * 1024 * 1024, maxDurationMs: 60_000 });
    expect(probe).toMatchObject({ displayWidth: 360, displayHeight: 640, videoCodec: 'h264', hasAudio: true, frameRate: 24 });
    expect(Math.abs(probe.durationMs - 8000)).toBeLessThanOrEqual(100);

    const scoresFile = join(dir, 'scores.txt');
    await runFfmpeg([
      '-hide_banner', '-loglevel', 'error', '-i', out,
      '-vf', `scale=180:320,select='eq(n\\,0)+gt(scene\\,0.3)',metadata=print:file=${scoresFile}`, '-f', 'null', '-',
    ]);
    const cuts = parseSceneCuts(await readFile(scoresFile, 'utf8'), 500);
    const frames = sceneFrames(8000, scenes.map((s) => s.durationMs));
    const boundaries = frames.slice(0, -1).map((_, i) => (frames.slice(0, i + 1).reduce((a, b) => a + b, 0) * 1000) / 24);
    for (const boundary of boundaries) {
      expect(cuts.some((cut) => Math.abs(cut - boundary) <= 200)).toBe(true);
    }
  });

  it('refuses a background that is not a colour (it would land in the filter graph)', async () => {
    await expect(
      renderDemoEpisode({
        outPath: join(dir, 'bad.mp4'),
        durationMs: 4000,
        seriesTitle: 'x',
        episodeNumber: 1,
        episodeTitle: 'y',
        scenes: [{ durationMs: 1000, background: 'red:s=1x1[x]', subtitle: 'z' }],
      }),
    ).rejects.toThrow(/not a colour/);
  });
});
