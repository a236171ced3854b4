import { Upload, type DetailedError } from 'tus-js-client';

export interface TusRun {
  upload: Upload;
  /** Resolves with the upload URL once every byte is accepted. */
  done: Promise<string>;
  /** Server-accepted offsets, one per finished chunk. */
  accepted: number[];
}

export interface TusOptions {
  endpoint: string;
  file: Buffer;
  headers: Record<string, string>;
  metadata?: Record<string, string>;
  chunkSize?: number;
  uploadUrl?: string;
  onChunk?: (accepted: number, run: TusRun) => void;
}

export class TusFailure extends Error {
  constructor(
    readonly status: number | null,
    readonly body: string,
    readonly contentType: string | undefined,
  ) {
    super(`tus upload failed with ${String(status)}: ${body}`);
  }
}

/** A real tus-js-client upload (Node HTTP stack), without retries so failures surface at once. */
export function startTusUpload(options: TusOptions): TusRun {
  let resolveDone: (url: string) => void = () => undefined;
  let rejectDone: (error: unknown) => void = () => undefined;
  const done = new Promise<string>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const run: TusRun = { upload: undefined as unknown as Upload, done, accepted: [] };
  run.upload = new Upload(options.file, {
    endpoint: options.endpoint,
    ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
    chunkSize: options.chunkSize ?? 256 * 1024,
    retryDelays: null,
    headers: options.headers,
    metadata: options.metadata ?? {},
    onChunkComplete: (_size, accepted) => {
      run.accepted.push(accepted);
      options.onChunk?.(accepted, run);
    },
    onSuccess: () => resolveDone(run.upload.url ?? ''),
    onError: (error: Error | DetailedError) => {
      const response = 'originalResponse' in error ? error.originalResponse : null;
      rejectDone(
        response
          ? new TusFailure(response.getStatus(), response.getBody(), response.getHeader('content-type'))
          : error,
      );
    },
  });
  run.upload.start();
  return run;
}

export async function uploadWhole(options: TusOptions): Promise<string> {
  return startTusUpload(options).done;
}
