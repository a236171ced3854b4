export interface SignInput {
  episodeId: string;
  viewerKey: string;
  expiresAt: Date;
}

export interface VerifyInput {
  token: string;
  episodeId: string;
  viewerKey: string;
  /** The expiry carried in the URL, in seconds since the epoch. */
  expiresAtSeconds: number;
  now: Date;
}

/** `invalid` wins over `expired`: an expiry is only reported for a token we did sign. */
export type VerifyOutcome = 'ok' | 'expired' | 'invalid';

/** Signs media URLs so a server without database access (nginx, a CDN) can check them. */
export interface MediaSigner {
  sign(input: SignInput): string;
  verify(input: VerifyInput): VerifyOutcome;
}

export function toEpochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
