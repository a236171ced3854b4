export const MEDIA_REJECTION_REASONS = [
  'not_video',
  'format',
  'too_large',
  'too_long',
  'too_many_streams',
  'no_video_stream',
  'corrupt',
  'timeout',
] as const;

export type MediaRejectionReason = (typeof MEDIA_REJECTION_REASONS)[number];

/** An upload we refuse to process; `message` is written for the uploader. */
export class MediaRejectedError extends Error {
  readonly reason: MediaRejectionReason;

  constructor(reason: MediaRejectionReason, message: string) {
    super(message);
    this.name = 'MediaRejectedError';
    this.reason = reason;
  }
}
