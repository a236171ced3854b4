/** The public face of the ffmpeg wrapper: the app imports from here. */
export type { BinaryOverrides, FfmpegBinaries, RunOptions, RunResult } from './binaries.ts';
export { FfmpegError, FfmpegTimeoutError, resolveFfmpegBinaries, runFfmpeg, runFfprobeJson } from './binaries.ts';
export { ALLOWED_DEMUXERS, safeInputArgs } from './container.ts';
export type { DemoEpisodeOptions, DemoScene } from './demo-video.ts';
export { findCjkFont, findLatinFont, renderDemoEpisode } from './demo-video.ts';
export type { MediaRejectionReason } from './errors.ts';
export { MEDIA_REJECTION_REASONS, MediaRejectedError } from './errors.ts';
export type { Fit, Rung } from './ladder.ts';
export { LADDER, planLadder } from './ladder.ts';
export type { ProbeLimits, ProbeOptions, ProbeResult, Rotation } from './probe.ts';
export { probeUpload } from './probe.ts';
export type { EncryptionKey, RenditionResult, SpriteResult, TranscodeOptions, TranscodeResult } from './transcode.ts';
export { transcodeEpisode } from './transcode.ts';
