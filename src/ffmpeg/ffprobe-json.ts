/** Narrow views of ffprobe's JSON: every field is checked, since the file behind it is untrusted. */

export interface ProbeStream {
  index: number;
  codecType: string;
  codecName: string;
  width: number;
  height: number;
  rFrameRate: number;
  avgFrameRate: number;
  durationSeconds: number | null;
  rotationTag: number | null;
  displayMatrixRotation: number | null;
  attachedPicture: boolean;
}

export interface ProbeFormat {
  formatName: string;
  durationSeconds: number | null;
  streamCount: number;
}

export interface ProbeDocument {
  format: ProbeFormat;
  streams: ProbeStream[];
}

export function parseProbeDocument(raw: unknown): ProbeDocument | null {
  const root = record(raw);
  const format = record(root?.format);
  const streams = Array.isArray(root?.streams) ? root.streams : [];
  if (!root || !format) return null;
  const parsedStreams = streams.map(parseStream).filter((s): s is ProbeStream => s !== null);
  return {
    format: {
      formatName: text(format.format_name),
      durationSeconds: positiveNumber(format.duration),
      streamCount: Math.max(integer(format.nb_streams) ?? 0, parsedStreams.length),
    },
    streams: parsedStreams,
  };
}

function parseStream(raw: unknown): ProbeStream | null {
  const stream = record(raw);
  if (!stream) return null;
  const tags = record(stream.tags);
  const disposition = record(stream.disposition);
  const sideData = Array.isArray(stream.side_data_list) ? stream.side_data_list : [];
  let displayMatrixRotation: number | null = null;
  for (const entry of sideData) {
    const rotation = finiteNumber(record(entry)?.rotation);
    if (rotation !== null) displayMatrixRotation = rotation;
  }
  return {
    index: integer(stream.index) ?? -1,
    codecType: text(stream.codec_type),
    codecName: text(stream.codec_name),
    width: integer(stream.width) ?? 0,
    height: integer(stream.height) ?? 0,
    rFrameRate: rational(stream.r_frame_rate),
    avgFrameRate: rational(stream.avg_frame_rate),
    durationSeconds: positiveNumber(stream.duration),
    rotationTag: finiteNumber(tags?.rotate),
    displayMatrixRotation,
    attachedPicture: integer(disposition?.attached_pic) === 1,
  };
}

export function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function finiteNumber(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

function positiveNumber(value: unknown): number | null {
  const n = finiteNumber(value);
  return n !== null && n > 0 ? n : null;
}

function integer(value: unknown): number | null {
  const n = finiteNumber(value);
  return n !== null && Number.isInteger(n) ? n : null;
}

/** "30000/1001" → 29.97; 0 when absent or "0/0". */
export function rational(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const [num, den] = value.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num)) return 0;
  if (den === undefined) return num;
  return Number.isFinite(den) && den > 0 ? num / den : 0;
}
