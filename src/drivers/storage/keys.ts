import { AppError } from '../../core/errors.ts';

/** Checks a storage key: slash-separated, relative, with no segment that could climb out of the store. */
export function assertValidKey(key: string): void {
  if (key === '') throw badKey(key, 'it is empty');
  checkCharacters(key);
  if (key.startsWith('/')) throw badKey(key, 'it is absolute');
  for (const segment of key.split('/')) {
    if (segment === '') throw badKey(key, 'it has an empty segment');
    if (segment === '.' || segment === '..') throw badKey(key, `it has a "${segment}" segment`);
  }
}

/**
 * A prefix is matched as a plain string, as S3 does: `hls/ep_1` also matches `hls/ep_10/…`.
 * End it with a slash to mean one folder. The empty prefix means everything.
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  checkCharacters(prefix);
  const folders = prefix.split('/').slice(0, -1);
  if (prefix.startsWith('/')) throw badKey(prefix, 'it is absolute');
  for (const segment of folders) {
    if (segment === '' || segment === '.' || segment === '..') throw badKey(prefix, `it has a "${segment}" segment`);
  }
  const last = prefix.slice(prefix.lastIndexOf('/') + 1);
  if (last === '.' || last === '..') throw badKey(prefix, `it has a "${last}" segment`);
}

function checkCharacters(value: string): void {
  if (value.includes('\0')) throw badKey(value, 'it contains NUL');
  if (value.includes('\\')) throw badKey(value, 'it contains a backslash');
}

function badKey(key: string, why: string): AppError {
  return new AppError('VALIDATION_FAILED', `invalid storage key ${JSON.stringify(key)}: ${why}`);
}

/** Joins a prefix and a relative path into a key without doubling the slash. */
export function joinKey(prefix: string, relative: string): string {
  if (prefix === '') return relative;
  return prefix.endsWith('/') ? `${prefix}${relative}` : `${prefix}/${relative}`;
}
