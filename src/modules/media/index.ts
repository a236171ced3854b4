import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Queue } from '../../drivers/queue/port.ts';
import type { MediaSigner } from '../../drivers/signing/port.ts';
import type { Storage } from '../../drivers/storage/port.ts';
import type { HttpApp } from '../../http/types.ts';
import type { Caller } from '../../http/context.ts';
import { registerMediaFileRoute } from './file-route.ts';
import { createUploadIntake } from './intake.ts';
import type { EpisodeAccess } from './ports.ts';
import { registerMediaApiRoutes } from './routes.ts';
import { createMediaService } from './service.ts';
import { createTranscodeJob } from './transcode-job.ts';
import { createUploadEndpoint } from './uploads.ts';

export type { EpisodeAccess, EpisodeMediaSummary, MediaStatusUpdate, PlaybackPlacement } from './ports.ts';
export type { MediaService, MediaView, PlaybackView } from './service.ts';
export { TRANSCODE_QUEUE } from './intake.ts';

export interface MediaModuleDeps {
  db: Db;
  queue: Queue;
  storage: Storage;
  signer: MediaSigner;
  config: Config;
  log: Logger;
  clock: Clock;
  episodeAccess: EpisodeAccess;
}

/** Uploads (tus), transcoding (the `transcode` job) and signed playback. */
export function createMediaModule(deps: MediaModuleDeps) {
  const service = createMediaService(deps);
  const intake = createUploadIntake({ ...deps, media: service });
  const uploads = createUploadEndpoint({ ...deps, media: service, intake });
  const transcode = createTranscodeJob({ ...deps, media: service });
  return {
    service,
    /** Takes a video file on this machine through the upload checks into the transcode queue. */
    ingestLocalFile: (caller: Caller, episodeId: string, path: string) => intake.ingestLocalFile(caller, episodeId, path),
    /** Every HTTP route of the module: the tus endpoint, the media API and the /media file route. */
    registerRoutes(app: HttpApp): void {
      uploads.registerRoutes(app);
      registerMediaApiRoutes(app, service);
      registerMediaFileRoute(app, { media: service, storage: deps.storage, signer: deps.signer, clock: deps.clock });
    },
    /** For `dualstream worker` (and `all`): handles the `transcode` queue. */
    registerJobs(queue: Queue): void {
      transcode.register(queue);
    },
  };
}

export type MediaModule = ReturnType<typeof createMediaModule>;
