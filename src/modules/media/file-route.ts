import { Type } from '@sinclair/typebox';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { ID_SEGMENT_PATTERN, MEDIA_PATH_PREFIX, toEpochSeconds, type MediaSigner } from '../../drivers/signing/index.ts';
import type { Storage } from '../../drivers/storage/port.ts';
import type { HttpApp } from '../../http/types.ts';
import { assetPrefixes } from './assets.ts';
import { KEY_PATH } from './keys.ts';
import { contentTypeFor, parseRange, safeRelativePath } from './media-files.ts';
import type { MediaService } from './service.ts';

const MediaParams = Type.Object({
  token: Type.String(),
  expires: Type.String(),
  viewerKey: Type.String(),
  episodeId: Type.String(),
  assetId: Type.String(),
  '*': Type.String(),
});

// Segments never change under a given URL; playlists neither (a new upload is a new asset id).
const MAX_CACHE_SECONDS = 3600;

function denied(detail: string): AppError {
  return new AppError('MEDIA_TOKEN_INVALID', detail);
}

/**
 * Serves HLS playlists, segments, posters and sprites in the embedded default. In production
 * nginx answers these URLs itself (docs/nginx/dualstream.conf) with the same token check.
 * The HLS key (`…/<assetId>/key`) is always answered here, after the entitlement check.
 */
export function registerMediaFileRoute(app: HttpApp, deps: { media: MediaService; storage: Storage; signer: MediaSigner; clock: Clock }): void {
  const { media, storage, signer, clock } = deps;

  app.route({
    method: ['GET', 'HEAD'],
    url: `${MEDIA_PATH_PREFIX}/:token/:expires/:viewerKey/:episodeId/:assetId/*`,
    // Our own HEAD: Fastify's generated one would read the whole file to throw it away.
    exposeHeadRoute: false,
    schema: { hide: true, params: MediaParams },
    handler: async (request, reply) => {
      const { token, expires, viewerKey, episodeId, assetId } = request.params;
      if (!/^\d{1,12}$/.test(expires) || !ID_SEGMENT_PATTERN.test(episodeId) || !ID_SEGMENT_PATTERN.test(assetId)) {
        throw denied('This media URL is malformed');
      }
      const now = clock.now();
      const outcome = signer.verify({ token, episodeId, viewerKey, expiresAtSeconds: Number(expires), now });
      switch (outcome) {
        case 'ok':
          break;
        case 'expired':
          throw denied('This media link has expired; ask for a new one');
        case 'invalid':
          throw denied('This media link is not valid');
        default: {
          const unreachable: never = outcome;
          throw new Error(`unknown verify outcome ${String(unreachable)}`);
        }
      }
      // The token was issued to one viewer: a copied link does not play for anyone else.
      if (request.caller.viewerKey !== viewerKey) throw denied('This media link was issued to another viewer');
      const path = safeRelativePath(request.params['*']);
      if (!path) throw denied('This media path is not allowed');
      const asset = await media.readyAssetOf(episodeId, assetId);
      if (!asset) throw denied('This media link does not match a playable video of the episode');
      if (path === KEY_PATH) {
        const key = await media.decryptionKey(request.caller, asset);
        // Never kept by a browser or a proxy: the next fetch must pass the entitlement check again.
        reply.header('cache-control', 'no-store').header('content-length', key.length).type('application/octet-stream');
        return request.method === 'HEAD' ? reply.send() : reply.send(key);
      }
      const contentType = contentTypeFor(path);
      const key = `${assetPrefixes(asset).hls}${path}`;
      const stat = contentType ? await storage.stat(key) : null;
      if (!contentType || !stat) throw new AppError('NOT_FOUND', 'No such media file');

      const maxAge = Math.max(0, Math.min(MAX_CACHE_SECONDS, Number(expires) - toEpochSeconds(now)));
      reply
        .header('accept-ranges', 'bytes')
        .header('cache-control', `private, max-age=${maxAge}`)
        .header('last-modified', stat.modifiedAt.toUTCString())
        .type(contentType);
      const range = parseRange(request.headers.range, stat.size);
      switch (range.kind) {
        case 'none':
          reply.header('content-length', stat.size);
          // nginx's auth subrequest for playlists is a HEAD: answer it without opening the file.
          if (request.method === 'HEAD') return reply.send();
          return reply.send(await storage.read(key));
        case 'range':
          reply
            .status(206)
            .header('content-range', `bytes ${range.range.start}-${range.range.end}/${stat.size}`)
            .header('content-length', range.range.end - range.range.start + 1);
          if (request.method === 'HEAD') return reply.send();
          return reply.send(await storage.read(key, range.range));
        case 'unsatisfiable':
          reply.header('content-range', `bytes */${stat.size}`);
          throw new AppError('RANGE_NOT_SATISFIABLE', `The file has ${stat.size} bytes`);
        default: {
          const unreachable: never = range;
          throw new Error(`unknown range ${String(unreachable)}`);
        }
      }
    },
  });
}
