import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import { resolveFfmpegBinaries } from '../../ffmpeg/index.ts';
import type { Db } from '../db/types.ts';
import type { Queue } from '../queue/port.ts';
import { createSandboxAdNetwork, type SandboxAdNetwork } from './sandbox.ts';

export type * from './port.ts';
export { ADS_SANDBOX_CALLBACK_QUEUE, ADS_SANDBOX_PATH, createSandboxAdNetwork, type SandboxAdNetwork, type SandboxAdNetworkDeps } from './sandbox.ts';
export { deriveSsvSigningKey, keyIdOf, signSsvQuery, verifySsvQuery } from './ssv.ts';

/** The sandbox network, the only one so far: it costs nothing until an ad is played. */
export function createAdNetwork(config: Config, deps: { db: Db; queue: Queue; clock: Clock; log?: Logger }): SandboxAdNetwork {
  return createSandboxAdNetwork({
    ...deps,
    signingSecret: config.secrets.adsSandboxSecret,
    durationMs: config.ads.sandboxDurationMs,
    toleranceSeconds: config.ads.callbackToleranceSeconds,
    publicUrl: config.publicUrl,
    creativeDir: join(config.dataDir, 'ads-sandbox'),
    // Resolved on first render, not at start: a platform that never plays an ad needs no ffmpeg.
    get binaries() {
      return resolveFfmpegBinaries({ ffmpeg: config.media.ffmpegPath, ffprobe: config.media.ffprobePath });
    },
  });
}
