export type { MediaSigner, SignInput, VerifyInput, VerifyOutcome } from './port.ts';
export { toEpochSeconds } from './port.ts';
export { createHmacSigner } from './hmac-signer.ts';
export { mediaFileUrl, mediaFolderUrl, MEDIA_PATH_PREFIX, ID_SEGMENT_PATTERN, type MediaPathParts } from './media-path.ts';
