import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * Demuxers allowed to open untrusted input. The mov demuxer covers mp4/mov/m4a/3gp, matroska
 * covers webm. Everything else (hls, concat, image2, tty, playlists, network-aware formats) is
 * refused before ffmpeg reads past the probe.
 */
export const ALLOWED_DEMUXERS = ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2', 'matroska', 'webm'] as const;

const ALLOWED_DEMUXER_SET: ReadonlySet<string> = new Set(ALLOWED_DEMUXERS);

/** Input options for ffmpeg and ffprobe whenever they open an untrusted source. */
export function safeInputArgs(path: string): string[] {
  // The explicit `file:` prefix stops a name like `x:y.mp4` from being read as protocol `x`.
  return ['-protocol_whitelist', 'file', '-format_whitelist', ALLOWED_DEMUXERS.join(','), '-i', `file:${resolve(path)}`];
}

export function isAllowedFormatName(formatName: string): boolean {
  return formatName.split(',').some((name) => ALLOWED_DEMUXER_SET.has(name.trim()));
}

export type ContainerFamily = 'isobmff' | 'matroska';

const ISO_TOP_LEVEL_BOXES: ReadonlySet<string> = new Set([
  'ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'junk', 'pdin', 'styp', 'sidx', 'meta', 'moof', 'mfra',
]);
const EBML_MAGIC = 0x1a45dfa3;
const MATROSKA_SEGMENT_ID = 0x18538067;
const MAX_TOP_LEVEL_BOXES = 100_000;

export async function sniffContainer(path: string): Promise<ContainerFamily | null> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(12);
    const { bytesRead } = await handle.read(head, 0, 12, 0);
    if (bytesRead >= 4 && head.readUInt32BE(0) === EBML_MAGIC) return 'matroska';
    if (bytesRead >= 8 && ISO_TOP_LEVEL_BOXES.has(head.toString('latin1', 4, 8))) return 'isobmff';
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Finds truncation that ffprobe alone misses: an MP4 whose moov sits at the front still probes
 * with its full duration after its mdat has been cut off.
 * Returns a problem description, or null when the top-level structure is whole.
 */
export async function findStructuralProblem(path: string, family: ContainerFamily, sizeBytes: number): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    switch (family) {
      case 'isobmff':
        return await checkIsoBoxes(handle, sizeBytes);
      case 'matroska':
        return await checkMatroskaSegment(handle, sizeBytes);
      default: {
        const unreachable: never = family;
        return unreachable;
      }
    }
  } finally {
    await handle.close();
  }
}

async function checkIsoBoxes(handle: FileHandle, sizeBytes: number): Promise<string | null> {
  const header = Buffer.alloc(16);
  let offset = 0;
  let boxes = 0;
  let hasMovie = false;
  while (sizeBytes - offset >= 8) {
    if (++boxes > MAX_TOP_LEVEL_BOXES) return 'too many top-level boxes';
    const { bytesRead } = await handle.read(header, 0, 16, offset);
    if (bytesRead < 8) return 'unreadable box header';
    const type = header.toString('latin1', 4, 8);
    let size = header.readUInt32BE(0);
    if (size === 1) {
      if (bytesRead < 16) return `box ${printable(type)} is cut off`;
      size = Number(header.readBigUInt64BE(8));
    } else if (size === 0) {
      size = sizeBytes - offset;
    }
    if (size < 8) return `box ${printable(type)} has an invalid size`;
    if (offset + size > sizeBytes) return `box ${printable(type)} is cut off (file truncated)`;
    if (type === 'moov' || type === 'moof') hasMovie = true;
    offset += size;
  }
  return hasMovie ? null : 'no moov atom (file incomplete)';
}

async function checkMatroskaSegment(handle: FileHandle, sizeBytes: number): Promise<string | null> {
  const buffer = Buffer.alloc(64);
  const { bytesRead } = await handle.read(buffer, 0, 64, 0);
  const header = readElement(buffer, 0, bytesRead);
  if (!header || header.unknownSize) return 'unreadable EBML header';
  const segmentOffset = header.dataOffset + header.size;
  const segment = readElement(buffer, segmentOffset, bytesRead);
  if (!segment || segment.id !== MATROSKA_SEGMENT_ID) return 'no Matroska segment';
  // Live recorders (MediaRecorder) write an unknown segment size; nothing to compare then.
  if (segment.unknownSize) return null;
  if (segment.dataOffset + segment.size > sizeBytes) return 'segment is cut off (file truncated)';
  return null;
}

interface EbmlElement {
  id: number;
  size: number;
  unknownSize: boolean;
  dataOffset: number;
}

function readElement(buffer: Buffer, offset: number, length: number): EbmlElement | null {
  const id = readVint(buffer, offset, length, true);
  if (!id) return null;
  const size = readVint(buffer, offset + id.length, length, false);
  if (!size) return null;
  return { id: id.value, size: size.value, unknownSize: size.allOnes, dataOffset: offset + id.length + size.length };
}

function readVint(
  buffer: Buffer,
  offset: number,
  length: number,
  keepMarker: boolean,
): { value: number; length: number; allOnes: boolean } | null {
  if (offset >= length) return null;
  const first = buffer[offset] ?? 0;
  let width = 1;
  while (width <= 8 && (first & (0x100 >> width)) === 0) width++;
  if (width > 8 || offset + width > length) return null;
  let value = keepMarker ? first : first & (0xff >> width);
  let allOnes = value === 0xff >> width;
  for (let i = 1; i < width; i++) {
    const byte = buffer[offset + i] ?? 0;
    value = value * 256 + byte;
    if (byte !== 0xff) allOnes = false;
  }
  return { value, length: width, allOnes };
}

function printable(type: string): string {
  return JSON.stringify(type.replace(/[^\x20-\x7e]/g, '?'));
}
