import type { ByteRange } from '../../drivers/storage/port.ts';

/** Only these files are ever served from an asset folder; anything else is a 404. */
const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  vtt: 'text/vtt; charset=utf-8',
};

export function contentTypeFor(path: string): string | null {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return null;
  return CONTENT_TYPES[path.slice(dot + 1).toLowerCase()] ?? null;
}

const SEGMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A relative path inside an asset folder, or null if it could leave it: every segment must be a
 * plain name (no `..`, no empty segment, no backslash, NUL or percent-escapes left over).
 */
export function safeRelativePath(path: string): string | null {
  if (path.length === 0 || path.length > 200) return null;
  const segments = path.split('/');
  if (segments.length > 4) return null;
  for (const segment of segments) {
    if (!SEGMENT_PATTERN.test(segment) || segment.includes('..')) return null;
  }
  return segments.join('/');
}

export type RangeRequest = { kind: 'none' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * Parses a single `bytes=` range (RFC 9110 §14.1.2). Several ranges, or a header we do not
 * understand, are answered with the whole file, which the RFC allows.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'none' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return { kind: 'none' };
  const [, startText = '', endText = ''] = match;
  if (startText === '' && endText === '') return { kind: 'none' };
  if (startText === '') {
    const suffix = Number(endText);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(startText);
  const end = endText === '' ? size - 1 : Math.min(Number(endText), size - 1);
  if (start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'range', range: { start, end } };
}
