import { describe, expect, it } from 'vitest';
import { avcHighCodec, h264LevelFor } from './h264.ts';
import { LADDER, fittedSourceHeight, planLadder } from './ladder.ts';
import { buildFilterGraph, buildTranscodeArgs, gopFrames, outputFrameRate, scaledSize } from './transcode-args.ts';
import type { TranscodePlan } from './transcode-args.ts';

const names = (display: { width: number; height: number }, fit: 'pad' | 'crop'): string[] => planLadder(display, fit).map((r) => r.name);

describe('planLadder', () => {
  it('keeps every rung for a full-HD vertical source', () => {
    expect(names({ width: 1080, height: 1920 }, 'pad')).toEqual(['1080p', '720p', '480p']);
    expect(names({ width: 1080, height: 1920 }, 'crop')).toEqual(['1080p', '720p', '480p']);
  });

  it('never upscales: a 720x1280 source stops at 720p', () => {
    expect(names({ width: 720, height: 1280 }, 'pad')).toEqual(['720p', '480p']);
  });

  it('tolerates a source a few pixels short of a rung', () => {
    expect(names({ width: 1078, height: 1916 }, 'pad')).toEqual(['1080p', '720p', '480p']);
  });

  it('gives a small source the lowest rung only', () => {
    expect(names({ width: 360, height: 640 }, 'pad')).toEqual(['480p']);
    expect(planLadder({ width: 360, height: 640 }, 'pad')[0]).toMatchObject({ width: 480, height: 854 });
  });

  it('letterboxing a landscape source keeps its whole width, cropping keeps its height only', () => {
    // 1920x1080 padded into 9:16 fills a 1920x3413 frame; cropped, only 608x1080 of it is kept.
    expect(fittedSourceHeight({ width: 1920, height: 1080 }, 'pad')).toBeCloseTo(3413.3, 0);
    expect(fittedSourceHeight({ width: 1920, height: 1080 }, 'crop')).toBe(1080);
    expect(names({ width: 1920, height: 1080 }, 'pad')).toEqual(['1080p', '720p', '480p']);
    expect(names({ width: 1920, height: 1080 }, 'crop')).toEqual(['480p']);
    expect(names({ width: 3840, height: 2160 }, 'crop')).toEqual(['1080p', '720p', '480p']);
  });

  it('every rung is 9:16 with even sides and a bit-rate that falls with size', () => {
    for (const rung of LADDER) {
      expect(rung.width % 2).toBe(0);
      expect(rung.height % 2).toBe(0);
      expect(Math.abs(rung.width / rung.height - 9 / 16)).toBeLessThan(0.005);
    }
    const rates = LADDER.map((r) => r.videoBitrate);
    expect([...rates].sort((a, b) => b - a)).toEqual(rates);
  });

  it('returns copies: callers may edit their rungs', () => {
    const [first] = planLadder({ width: 1080, height: 1920 }, 'pad');
    first!.videoBitrate = 1;
    expect(LADDER[0]!.videoBitrate).not.toBe(1);
  });
});

describe('H.264 level and CODECS', () => {
  it('picks the smallest level that fits', () => {
    expect(avcHighCodec(h264LevelFor(1080, 1920, 30, 4_500_000))).toBe('avc1.640028');
    expect(avcHighCodec(h264LevelFor(720, 1280, 30, 2_500_000))).toBe('avc1.64001f');
    expect(avcHighCodec(h264LevelFor(480, 854, 24, 1_100_000))).toBe('avc1.64001e');
    // 30 × 1620 macroblocks exceeds level 3.0's 40 500 per second.
    expect(avcHighCodec(h264LevelFor(480, 854, 30, 1_100_000))).toBe('avc1.64001f');
    expect(h264LevelFor(1080, 1920, 60, 4_500_000).name).toBe('4.2');
  });
});

describe('frame rate and GOP', () => {
  it('keeps ordinary rates and halves high ones', () => {
    expect(outputFrameRate(30)).toEqual({ expr: '30', value: 30 });
    expect(outputFrameRate(25)).toEqual({ expr: '25', value: 25 });
    expect(outputFrameRate(60)).toEqual({ expr: '30', value: 30 });
    expect(outputFrameRate(50)).toEqual({ expr: '25', value: 25 });
    expect(outputFrameRate(29.97).expr).toBe('30000/1001');
    expect(outputFrameRate(59.94).expr).toBe('30000/1001');
    expect(outputFrameRate(29.87)).toEqual({ expr: '30', value: 30 });
    expect(outputFrameRate(0)).toEqual({ expr: '30', value: 30 });
  });

  it('a GOP is 2 s of frames', () => {
    expect(gopFrames(outputFrameRate(30))).toBe(60);
    expect(gopFrames(outputFrameRate(24))).toBe(48);
    expect(gopFrames(outputFrameRate(25))).toBe(50);
  });
});

describe('scaledSize', () => {
  it('pad fits inside, crop covers', () => {
    expect(scaledSize({ width: 1920, height: 1080 }, { width: 720, height: 1280 }, 'pad')).toEqual({ width: 720, height: 406 });
    expect(scaledSize({ width: 1920, height: 1080 }, { width: 720, height: 1280 }, 'crop')).toEqual({ width: 2276, height: 1280 });
    expect(scaledSize({ width: 360, height: 640 }, { width: 480, height: 854 }, 'pad')).toEqual({ width: 480, height: 854 });
    expect(scaledSize({ width: 360, height: 640 }, { width: 480, height: 854 }, 'crop')).toEqual({ width: 480, height: 854 });
  });
});

describe('buildTranscodeArgs', () => {
  const plan: TranscodePlan = {
    input: '/uploads/a b:c.mp4',
    videoStreamIndex: 0,
    audioStreamIndex: null,
    display: { width: 1080, height: 1920 },
    fit: 'pad',
    rungs: LADDER,
    frameRate: outputFrameRate(30),
    sourceDurationMs: 30_000,
    threads: 0,
    keyInfoFile: null,
    poster: { rungIndex: 1, atSeconds: 1, file: 'poster.jpg' },
    sprite: { file: 'sprite.jpg', tileWidth: 90, tileHeight: 160, columns: 10, rows: 2, intervalSeconds: 2 },
    sceneScoresFile: 'scene-scores.txt',
    sceneThreshold: 0.3,
  };

  it('opens the source through the protocol and format whitelists, once', () => {
    const args = buildTranscodeArgs(plan);
    const inputAt = args.indexOf('-i');
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args.slice(inputAt - 4, inputAt + 2)).toEqual([
      '-protocol_whitelist', 'file', '-format_whitelist', 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm', '-i', 'file:/uploads/a b:c.mp4',
    ]);
  });

  it('writes one HLS output per rung with a 2 s GOP and no scene-cut key frames', () => {
    const args = buildTranscodeArgs(plan);
    expect(args.filter((a) => a === 'hls')).toHaveLength(3);
    for (const rung of LADDER) expect(args).toContain(`${rung.name}/index.m3u8`);
    expect(args.join(' ')).toContain('-g 60 -keyint_min 60 -sc_threshold 0 -force_key_frames expr:gte(t,n_forced*2)');
    expect(args.join(' ')).toContain('-hls_time 4 -hls_playlist_type vod');
  });

  it('decodes once and splits to every output, with silence when the source has no audio', () => {
    const graph = buildFilterGraph(plan);
    expect(graph.startsWith('[0:0]fps=30,split=3[src0][src1][src2]')).toBe(true);
    expect(graph).toContain('anullsrc=r=48000:cl=stereo,atrim=duration=30.000,asplit=3[aud0][aud1][aud2]');
    expect(graph).toContain("select='eq(n\\,0)+gt(scene\\,0.3)'");
    expect(graph).toContain('tile=10x2');
  });
});
