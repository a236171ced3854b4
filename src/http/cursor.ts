import { AppError } from '../core/errors.ts';

/** A keyset page's position: the last row's time (ISO) and id, opaque to clients. */
export interface PageCursor {
  at: string;
  id: string;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(text: string): PageCursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<PageCursor>;
    if (typeof parsed.at === 'string' && typeof parsed.id === 'string' && !Number.isNaN(Date.parse(parsed.at))) {
      return { at: parsed.at, id: parsed.id };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('VALIDATION_FAILED', 'The cursor is not valid');
}
