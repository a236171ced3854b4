import { useSyncExternalStore } from 'react';
import { DetailedError, Upload } from 'tus-js-client';
import { getCsrfToken } from '../api/client.ts';

/**
 * Resumable uploads (tus), kept outside React so an upload keeps going while the creator moves
 * around the studio, and can be resumed after a network error or a reload.
 */

export type UploadPhase = 'uploading' | 'paused' | 'error' | 'done';

export interface UploadState {
  phase: UploadPhase;
  fileName: string;
  bytesSent: number;
  bytesTotal: number;
  error: string | null;
  /** The server refused the file itself (size, type): retrying the same bytes will not help. */
  fatal: boolean;
}

const CHUNK_BYTES = 8 * 1024 * 1024;
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10_000, 20_000];

const uploads = new Map<string, { upload: Upload; state: UploadState }>();
const listeners = new Set<() => void>();
let snapshot: ReadonlyMap<string, UploadState> = new Map();

function publish(): void {
  snapshot = new Map([...uploads].map(([id, entry]) => [id, entry.state]));
  for (const listener of listeners) listener();
}

function update(episodeId: string, patch: Partial<UploadState>): void {
  const entry = uploads.get(episodeId);
  if (!entry) return;
  entry.state = { ...entry.state, ...patch };
  publish();
}

function statusOf(error: Error): number | null {
  return error instanceof DetailedError && error.originalResponse ? error.originalResponse.getStatus() : null;
}

function messageOf(error: Error): string {
  if (error instanceof DetailedError && error.originalResponse) {
    const body = error.originalResponse.getBody();
    try {
      const problem = JSON.parse(body) as { detail?: unknown };
      if (typeof problem.detail === 'string') return problem.detail;
    } catch {
      // Not problem+json (a proxy page): show the status instead.
    }
    return `HTTP ${error.originalResponse.getStatus()}`;
  }
  return error.message;
}

// Worth retrying: no answer at all, conflicts on the offset (tus re-syncs), and server-side trouble.
function retryable(status: number | null): boolean {
  return status === null || status === 409 || status === 423 || status === 429 || status >= 500;
}

export async function startUpload(episodeId: string, file: File, onDone: () => void): Promise<void> {
  uploads.get(episodeId)?.upload.abort().catch(() => {});
  const upload = new Upload(file, {
    endpoint: new URL('/api/v1/uploads', window.location.origin).toString(),
    chunkSize: CHUNK_BYTES,
    retryDelays: RETRY_DELAYS_MS,
    metadata: { episodeId, filename: file.name, filetype: file.type || 'application/octet-stream' },
    removeFingerprintOnSuccess: true,
    onBeforeRequest: (request) => {
      const token = getCsrfToken();
      if (token) request.setHeader('x-csrf-token', token);
      const xhr = request.getUnderlyingObject() as XMLHttpRequest | undefined;
      if (xhr && 'withCredentials' in xhr) xhr.withCredentials = true;
    },
    onShouldRetry: (error) => retryable(statusOf(error)),
    onProgress: (bytesSent, bytesTotal) => update(episodeId, { bytesSent, bytesTotal, phase: 'uploading', error: null }),
    onSuccess: () => {
      update(episodeId, { phase: 'done', bytesSent: file.size, error: null });
      onDone();
    },
    onError: (error) => {
      const status = statusOf(error);
      update(episodeId, { phase: 'error', error: messageOf(error), fatal: !retryable(status) });
    },
  });
  uploads.set(episodeId, {
    upload,
    state: { phase: 'uploading', fileName: file.name, bytesSent: 0, bytesTotal: file.size, error: null, fatal: false },
  });
  publish();
  // Same file for the same episode picked again after a reload: continue where it stopped.
  const previous = await upload.findPreviousUploads();
  const match = previous.find((candidate) => candidate.metadata.episodeId === episodeId);
  if (match) upload.resumeFromPreviousUpload(match);
  upload.start();
}

export function pauseUpload(episodeId: string): void {
  const entry = uploads.get(episodeId);
  if (!entry || entry.state.phase !== 'uploading') return;
  void entry.upload.abort();
  update(episodeId, { phase: 'paused' });
}

export function resumeUpload(episodeId: string): void {
  const entry = uploads.get(episodeId);
  if (!entry || entry.state.phase === 'done' || entry.state.phase === 'uploading') return;
  update(episodeId, { phase: 'uploading', error: null });
  entry.upload.start();
}

export function forgetUpload(episodeId: string): void {
  const entry = uploads.get(episodeId);
  if (!entry) return;
  if (entry.state.phase === 'uploading') void entry.upload.abort();
  uploads.delete(episodeId);
  publish();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useUpload(episodeId: string): UploadState | null {
  const all = useSyncExternalStore(subscribe, () => snapshot);
  return all.get(episodeId) ?? null;
}

/** Warn before leaving the page while bytes are still going up. */
window.addEventListener('beforeunload', (event) => {
  if ([...uploads.values()].some((entry) => entry.state.phase === 'uploading')) event.preventDefault();
});
