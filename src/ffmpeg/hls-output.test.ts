import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureRendition, parseMediaPlaylist, parseSceneCuts, renderMasterPlaylist, renderSpriteVtt, spriteLayout } from './hls-output.ts';
import { makeTempDir } from './test-clips.ts';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('hls-output'));
});
afterAll(() => cleanup());

const PLAYLIST = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:4
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:4.000000,
seg_000.ts
#EXTINF:4.000000,
seg_001.ts
#EXTINF:0.500000,
seg_002.ts
#EXT-X-ENDLIST
`;

describe('media playlists', () => {
  it('parses segments', () => {
    expect(parseMediaPlaylist(PLAYLIST)).toEqual([
      { uri: 'seg_000.ts', durationSeconds: 4 },
      { uri: 'seg_001.ts', durationSeconds: 4 },
      { uri: 'seg_002.ts', durationSeconds: 0.5 },
    ]);
  });

  it('BANDWIDTH is the peak segment rate (a short tail excluded), AVERAGE-BANDWIDTH the whole', async () => {
    await mkdir(join(dir, '720p'));
    await writeFile(join(dir, '720p/index.m3u8'), PLAYLIST);
    await writeFile(join(dir, '720p/seg_000.ts'), Buffer.alloc(500_000));
    await writeFile(join(dir, '720p/seg_001.ts'), Buffer.alloc(1_000_000));
    await writeFile(join(dir, '720p/seg_002.ts'), Buffer.alloc(400_000));
    const measure = await measureRendition(dir, '720p/index.m3u8');
    expect(measure.bandwidth).toBe(2_000_000); // 1 MB in 4 s; the 0.5 s tail (6.4 Mb/s) is ignored
    expect(measure.averageBandwidth).toBe(Math.ceil((1_900_000 * 8) / 8.5));
    expect(measure.durationSeconds).toBe(8.5);
  });
});

describe('master playlist', () => {
  it('lists each variant with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE', () => {
    const text = renderMasterPlaylist([
      { playlist: '720p/index.m3u8', bandwidth: 2_000_000, averageBandwidth: 1_500_000, width: 720, height: 1280, codecs: 'avc1.64001f,mp4a.40.2', frameRate: 30 },
      { playlist: '480p/index.m3u8', bandwidth: 900_000, averageBandwidth: 700_000, width: 480, height: 854, codecs: 'avc1.64001e,mp4a.40.2', frameRate: 24 },
    ]);
    expect(text).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1500000,RESOLUTION=720x1280,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=30.000\n720p/index.m3u8\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=700000,RESOLUTION=480x854,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=24.000\n480p/index.m3u8\n',
    );
  });
});

describe('sprite', () => {
  it('lays tiles out in rows of at most 10', () => {
    expect(spriteLayout(6_000, 2000, 10)).toEqual({ tiles: 3, columns: 3, rows: 1 });
    expect(spriteLayout(61_000, 2000, 10)).toEqual({ tiles: 31, columns: 10, rows: 4 });
    expect(spriteLayout(0, 2000, 10)).toEqual({ tiles: 1, columns: 1, rows: 1 });
  });

  it('writes one cue per tile with its xywh fragment', () => {
    const vtt = renderSpriteVtt({ image: 'sprite.jpg', tileWidth: 90, tileHeight: 160, columns: 2, intervalMs: 2000, tiles: 3 }, 5_500);
    expect(vtt).toBe(
      'WEBVTT\n\n' +
        '00:00:00.000 --> 00:00:02.000\nsprite.jpg#xywh=0,0,90,160\n\n' +
        '00:00:02.000 --> 00:00:04.000\nsprite.jpg#xywh=90,0,90,160\n\n' +
        '00:00:04.000 --> 00:00:05.500\nsprite.jpg#xywh=0,160,90,160\n',
    );
  });
});

describe('scene cuts', () => {
  it('reads cut times relative to the first frame and merges cuts closer than the gap', () => {
    const printed = [
      'frame:0    pts:7680    pts_time:0.5',
      'lavfi.scene_score=0.000000',
      'frame:1    pts:30720   pts_time:2',
      'lavfi.scene_score=1.000000',
      'frame:2    pts:31232   pts_time:2.0333',
      'lavfi.scene_score=0.400000',
      'frame:3    pts:87552   pts_time:5.7',
      'lavfi.scene_score=1.000000',
    ].join('\n');
    expect(parseSceneCuts(printed, 500)).toEqual([1500, 5200]);
    expect(parseSceneCuts('', 500)).toEqual([]);
  });
});
