/** What our code needs from a rewarded-ad network (the sandbox; later AdMob or another). */

export interface StartAdViewInput {
  /** Our ad unlock id: the network echoes it back as the callback's custom data. */
  adUnlockId: string;
  /** The viewer, echoed back as the callback's user id. */
  userId: string;
}

export interface AdView {
  /** The network's id for this view. */
  viewId: string;
  /** The clip to play. */
  creativeUrl: string;
  durationMs: number;
  /** The client POSTs here when the clip ended (the network's SDK would do it). */
  completeUrl: string;
}

/** A server-side verification callback whose signature, key id and timestamp were checked. */
export interface VerifiedReward {
  /** The network's id of this reward: a genuine callback carrying it may arrive more than once. */
  transactionId: string;
  /** Our ad unlock id. */
  customData: string;
  userId: string;
  timestamp: Date;
  keyId: string;
}

export interface AdNetwork {
  readonly name: string;
  startView(input: StartAdViewInput): Promise<AdView>;
  /**
   * Checks the callback's raw query string (everything after `?`, undecoded) exactly as the network
   * signed it; throws WEBHOOK_SIGNATURE_INVALID (or BAD_REQUEST for a well-signed malformed one).
   */
  verifyCallback(rawQuery: string): VerifiedReward;
}
