import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** Object storage keyed by slash-separated paths such as `hls/ep_x/720p/seg_001.ts`. */
export interface Storage {
  putFile(key: string, localPath: string, contentType?: string): Promise<void>;
  putBuffer(key: string, body: Buffer, contentType?: string): Promise<void>;
  /** Uploads every file under localDir to prefix/<relative path>. */
  putDirectory(prefix: string, localDir: string): Promise<void>;
  stat(key: string): Promise<StoredObject | null>;
  read(key: string, range?: ByteRange): Promise<Readable>;
  readBuffer(key: string): Promise<Buffer>;
  /** Copies the object to a local file (ffmpeg needs files). */
  downloadTo(key: string, localPath: string): Promise<void>;
  deletePrefix(prefix: string): Promise<void>;
  list(prefix: string): Promise<StoredObject[]>;
}
