import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { FileStore } from '@tus/file-store';
import { EVENTS, Metadata, Server } from '@tus/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { hasPrefix, newId } from '../../core/ids.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { HttpApp } from '../../http/types.ts';
import { findAssetByUpload } from './assets.ts';
import type { UploadIntake } from './intake.ts';
import type { EpisodeAccess } from './ports.ts';
import { mediaAssets, type Fit } from './schema.ts';
import type { MediaService } from './service.ts';

export const UPLOADS_PATH = '/api/v1/uploads';
const TUS_CONTENT_TYPE = 'application/offset+octet-stream';
const MAX_FILENAME_LENGTH = 255;

/** What the pre-check of a creation request established, for the tus hook that creates the row. */
interface UploadIntent {
  episodeId: string;
  uploaderId: string;
  fit: Fit;
  filename: string | null;
  sizeBytes: number;
}

export interface UploadDeps {
  db: Db;
  config: Config;
  clock: Clock;
  log: Logger;
  episodeAccess: EpisodeAccess;
  media: MediaService;
  intake: UploadIntake;
}

/** tus answers a hook's throw with its `status_code` and `body`. */
class TusHookError extends Error {
  constructor(
    readonly status_code: number,
    readonly body: string,
  ) {
    super(body.trim());
  }
}

function parseMetadata(header: string | undefined): Record<string, string | null> {
  if (!header) return {};
  try {
    return Metadata.parse(header);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'Upload-Metadata is not valid tus metadata');
  }
}

function parseFit(value: string | null | undefined): Fit | null {
  if (value === undefined || value === null || value === '') return null;
  if (value === 'pad' || value === 'crop') return value;
  throw new AppError('VALIDATION_FAILED', 'metadata fit must be "pad" or "crop"');
}

/**
 * The tus 1.0.0 endpoint. Fastify authenticates and authorizes each request (access `creator`,
 * CSRF for session callers, ownership here) before the raw request is handed to @tus/server,
 * so tus never sees a request we have not vetted.
 */
export function createUploadEndpoint(deps: UploadDeps) {
  const { db, config, clock, log, episodeAccess, media, intake } = deps;
  const uploadsDir = join(config.dataDir, 'uploads');
  // Keyed by the raw Node request, the one object both Fastify and the tus hooks see.
  const intents = new WeakMap<object, UploadIntent>();
  const datastore = new FileStore({ directory: uploadsDir });

  const tus = new Server({
    path: UPLOADS_PATH,
    datastore,
    maxSize: config.media.uploadMaxBytes,
    relativeLocation: true,
    respectForwardedHeaders: true,
    // Same-origin only: omit Access-Control-Allow-Origin instead of tus's default `*`.
    allowedOrigins: [],
    namingFunction: () => newId('upload'),
    async onUploadCreate(req, upload) {
      const raw = req.runtime?.node?.req;
      const intent = raw ? intents.get(raw) : undefined;
      if (!intent) throw new TusHookError(500, 'upload was not authorized\n');
      const assetId = newId('asset');
      const now = clock.now();
      await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(mediaAssets)
          .values({
            id: assetId,
            episodeId: intent.episodeId,
            uploadId: upload.id,
            uploaderId: intent.uploaderId,
            status: 'uploading',
            fit: intent.fit,
            originalFilename: intent.filename,
            sourceBytes: intent.sizeBytes,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        if (row) await media.notify(tx, row, 'uploading');
      });
      return { metadata: { ...upload.metadata, assetId } };
    },
    async onUploadFinish(_req, upload) {
      return intake.finish(upload, datastore);
    },
  });

  // A terminated (DELETE) upload takes its asset row with it.
  tus.on(EVENTS.POST_TERMINATE, (_req, _res, uploadId: string) => {
    void (async () => {
      const asset = await findAssetByUpload(db, uploadId);
      if (asset?.status === 'uploading') await media.discardAsset(asset.id);
    })().catch((error: unknown) => log.error({ err: error, uploadId }, 'could not discard a terminated upload'));
  });

  async function authorizeCreation(request: FastifyRequest): Promise<void> {
    const { caller } = request;
    if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
    if (request.headers['upload-defer-length'] !== undefined) {
      throw new AppError('VALIDATION_FAILED', 'Declare Upload-Length when creating the upload');
    }
    const lengthHeader = request.headers['upload-length'];
    const sizeBytes = typeof lengthHeader === 'string' && /^\d{1,15}$/.test(lengthHeader) ? Number(lengthHeader) : NaN;
    if (!Number.isSafeInteger(sizeBytes)) throw new AppError('VALIDATION_FAILED', 'Upload-Length must be a byte count');
    if (sizeBytes > config.media.uploadMaxBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `Videos may be at most ${config.media.uploadMaxBytes} bytes`, {
        maxBytes: config.media.uploadMaxBytes,
      });
    }
    const metadataHeader = request.headers['upload-metadata'];
    const metadata = parseMetadata(typeof metadataHeader === 'string' ? metadataHeader : undefined);
    const episodeId = metadata.episodeId;
    if (!episodeId || !hasPrefix(episodeId, 'episode')) throw new AppError('VALIDATION_FAILED', 'metadata episodeId is required');
    const requestedFit = parseFit(metadata.fit);
    const { fit } = await episodeAccess.authorizeUpload(caller, episodeId);
    const filename = metadata.filename ? metadata.filename.slice(0, MAX_FILENAME_LENGTH) : null;
    intents.set(request.raw, { episodeId, uploaderId: caller.userId, fit: requestedFit ?? fit, filename, sizeBytes });
  }

  async function authorizeUploader(request: FastifyRequest, uploadId: string): Promise<void> {
    const asset = await findAssetByUpload(db, uploadId);
    if (!asset) throw new AppError('NOT_FOUND', 'No such upload');
    if (asset.uploaderId !== request.caller.userId) throw new AppError('FORBIDDEN', 'Only the uploader may continue this upload');
  }

  function registerRoutes(app: HttpApp): void {
    if (!app.hasContentTypeParser(TUS_CONTENT_TYPE)) {
      // Leave the body unread: tus streams it to disk itself.
      app.addContentTypeParser(TUS_CONTENT_TYPE, (_request, _payload, done) => done(null));
    }
    const handOver = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      reply.hijack();
      try {
        await tus.handle(request.raw, reply.raw);
      } catch (error) {
        // tus answers its own errors; this is a failure to write the answer (the client went away).
        log.warn({ err: error }, 'tus request ended without a response');
        if (!reply.raw.headersSent) reply.raw.writeHead(500).end();
        else reply.raw.destroy();
      }
    };

    app.route({
      method: 'POST',
      url: UPLOADS_PATH,
      config: { access: 'creator' },
      schema: {
        tags: ['media'],
        summary: 'Create a resumable upload (tus 1.0.0): Upload-Length, Upload-Metadata episodeId, filename, fit',
      },
      handler: async (request, reply) => {
        await authorizeCreation(request);
        await handOver(request, reply);
      },
    });

    app.route({
      method: ['HEAD', 'PATCH', 'DELETE'],
      url: `${UPLOADS_PATH}/:uploadId`,
      config: { access: 'creator' },
      schema: {
        tags: ['media'],
        summary: 'Resume (HEAD gives Upload-Offset), continue (PATCH) or cancel (DELETE) your upload',
        params: Type.Object({ uploadId: Type.String({ pattern: '^upl_[0-9a-z]{26}$' }) }),
      },
      handler: async (request, reply) => {
        await authorizeUploader(request, request.params.uploadId);
        await handOver(request, reply);
      },
    });
  }

  return { registerRoutes, uploadsDir };
}
