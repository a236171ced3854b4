/**
 * The media URL layout shared by the app's media route and nginx:
 * `/media/<token>/<expires>/<viewerKey>/<episodeId>/<assetId>/<file path>`.
 * The token sits in the path, not the query, so the relative URLs inside HLS playlists
 * (`720p/index.m3u8`, `seg_003.ts`) resolve to URLs that carry it too.
 */
export const MEDIA_PATH_PREFIX = '/media';

export interface MediaPathParts {
  token: string;
  expiresAtSeconds: number;
  viewerKey: string;
  episodeId: string;
  assetId: string;
}

/** Ids are `<prefix>_<26 base32 chars>`; the fixed shape keeps the signed concatenation unambiguous. */
export const ID_SEGMENT_PATTERN = /^[a-z]{2,4}_[0-9a-z]{26}$/;

export function mediaFolderUrl(parts: MediaPathParts): string {
  const segments = [parts.token, String(parts.expiresAtSeconds), parts.viewerKey, parts.episodeId, parts.assetId];
  return `${MEDIA_PATH_PREFIX}/${segments.map(encodeURIComponent).join('/')}/`;
}

export function mediaFileUrl(parts: MediaPathParts, file: string): string {
  return `${mediaFolderUrl(parts)}${file.split('/').map(encodeURIComponent).join('/')}`;
}
