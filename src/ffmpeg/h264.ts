/** H.264 levels (Rec. ITU-T H.264 table A-1): the smallest one that fits a rendition goes in CODECS. */
interface Level {
  idc: number;
  name: string;
  maxMacroblocksPerSecond: number;
  maxFrameMacroblocks: number;
  /** Max video bit rate for High profile, in bits/s (1.25 × the Baseline/Main figure). */
  maxHighBitrate: number;
}

const LEVELS: readonly Level[] = [
  { idc: 30, name: '3.0', maxMacroblocksPerSecond: 40_500, maxFrameMacroblocks: 1_620, maxHighBitrate: 12_500_000 },
  { idc: 31, name: '3.1', maxMacroblocksPerSecond: 108_000, maxFrameMacroblocks: 3_600, maxHighBitrate: 17_500_000 },
  { idc: 32, name: '3.2', maxMacroblocksPerSecond: 216_000, maxFrameMacroblocks: 5_120, maxHighBitrate: 25_000_000 },
  { idc: 40, name: '4.0', maxMacroblocksPerSecond: 245_760, maxFrameMacroblocks: 8_192, maxHighBitrate: 25_000_000 },
  { idc: 41, name: '4.1', maxMacroblocksPerSecond: 245_760, maxFrameMacroblocks: 8_192, maxHighBitrate: 62_500_000 },
  { idc: 42, name: '4.2', maxMacroblocksPerSecond: 522_240, maxFrameMacroblocks: 8_704, maxHighBitrate: 62_500_000 },
  { idc: 50, name: '5.0', maxMacroblocksPerSecond: 589_824, maxFrameMacroblocks: 22_080, maxHighBitrate: 168_750_000 },
  { idc: 51, name: '5.1', maxMacroblocksPerSecond: 983_040, maxFrameMacroblocks: 36_864, maxHighBitrate: 300_000_000 },
  { idc: 52, name: '5.2', maxMacroblocksPerSecond: 2_073_600, maxFrameMacroblocks: 36_864, maxHighBitrate: 300_000_000 },
];

export interface H264Level {
  idc: number;
  /** The form x264 takes on `-level:v`, e.g. "3.1". */
  name: string;
}

export function h264LevelFor(width: number, height: number, fps: number, maxBitrate: number): H264Level {
  const frameMacroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  const perSecond = frameMacroblocks * fps;
  const level =
    LEVELS.find(
      (l) =>
        frameMacroblocks <= l.maxFrameMacroblocks &&
        perSecond <= l.maxMacroblocksPerSecond &&
        maxBitrate <= l.maxHighBitrate &&
        // A frame side may not exceed sqrt(8 × MaxFS) macroblocks.
        Math.max(Math.ceil(width / 16), Math.ceil(height / 16)) <= Math.sqrt(8 * l.maxFrameMacroblocks),
    ) ?? LEVELS[LEVELS.length - 1];
  return { idc: level?.idc ?? 52, name: level?.name ?? '5.2' };
}

/** RFC 6381 codec string for High profile (profile_idc 100, no constraint flags) at a level. */
export function avcHighCodec(level: H264Level): string {
  return `avc1.6400${level.idc.toString(16).padStart(2, '0')}`;
}

export const AAC_LC_CODEC = 'mp4a.40.2';
