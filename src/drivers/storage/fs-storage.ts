import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, type FileHandle, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError, notFound } from '../../core/errors.ts';
import { assertValidKey, assertValidPrefix, joinKey } from './keys.ts';
import type { ByteRange, Storage, StoredObject } from './port.ts';

/** Half-written files live here, outside the key space, until a rename publishes them whole. */
const PARTIAL_DIR = '.partial';

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && ['ENOENT', 'ENOTDIR', 'EISDIR'].includes(String(error.code));
}

async function walkFiles(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walkFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** Local-disk object storage under rootDir; keys map to relative paths. */
export function createFsStorage(rootDir: string): Storage {
  const root = resolve(rootDir);
  const partialDir = join(root, PARTIAL_DIR);

  function pathOf(key: string): string {
    assertValidKey(key);
    if (key === PARTIAL_DIR || key.startsWith(`${PARTIAL_DIR}/`)) {
      throw new AppError('VALIDATION_FAILED', `invalid storage key ${JSON.stringify(key)}: ${PARTIAL_DIR}/ is reserved`);
    }
    const path = resolve(root, key);
    if (!path.startsWith(root + sep)) throw new AppError('VALIDATION_FAILED', `invalid storage key ${JSON.stringify(key)}`);
    return path;
  }

  function keyOf(path: string): string {
    return relative(root, path).split(sep).join('/');
  }

  /** Writes through a temporary file and a rename, so readers see the old object or the new one, never half. */
  async function publish(key: string, write: (tempPath: string) => Promise<void>): Promise<void> {
    const target = pathOf(key);
    await mkdir(partialDir, { recursive: true });
    const temp = join(partialDir, `${randomBytes(12).toString('hex')}.part`);
    try {
      await write(temp);
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async function objectAt(path: string): Promise<StoredObject | null> {
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      return { key: keyOf(path), size: info.size, modifiedAt: info.mtime };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async function list(prefix: string): Promise<StoredObject[]> {
    assertValidPrefix(prefix);
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const files = await walkFiles(folder === '' ? root : join(root, ...folder.split('/')));
    const objects: StoredObject[] = [];
    for (const file of files) {
      const key = keyOf(file);
      if (!key.startsWith(prefix) || key.startsWith(`${PARTIAL_DIR}/`)) continue;
      const object = await objectAt(file);
      if (object) objects.push(object);
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Removes now-empty folders from `dir` up to (not including) the root, as S3 has no folders to leave behind. */
  async function pruneEmptyFolders(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(root + sep)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }

  async function openObject(key: string): Promise<{ handle: FileHandle; size: number }> {
    const handle = await open(pathOf(key), 'r').catch((error: unknown) => {
      throw isMissing(error) ? notFound(`object ${key}`) : error;
    });
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw notFound(`object ${key}`);
    }
    return { handle, size: info.size };
  }

  async function readStream(key: string, range: ByteRange | undefined): Promise<Readable> {
    const { handle, size } = await openObject(key);
    if (!range) return handle.createReadStream({ autoClose: true });
    const { start } = range;
    const end = Math.min(range.end, size - 1);
    if (!Number.isInteger(start) || !Number.isInteger(range.end) || start < 0 || start > end) {
      await handle.close();
      throw new AppError('BAD_REQUEST', `range ${start}-${range.end} is not satisfiable for ${size} bytes`);
    }
    return handle.createReadStream({ start, end, autoClose: true });
  }

  return {
    async putFile(key: string, localPath: string): Promise<void> {
      await publish(key, (temp) => copyFile(localPath, temp));
    },

    async putBuffer(key: string, body: Buffer): Promise<void> {
      await publish(key, (temp) => writeFile(temp, body));
    },

    async putDirectory(prefix: string, localDir: string): Promise<void> {
      assertValidPrefix(prefix);
      const base = resolve(localDir);
      const files = await walkFiles(base);
      if (files.length === 0 && !(await stat(base).then((s) => s.isDirectory(), () => false))) {
        throw new Error(`${localDir} is not a directory`);
      }
      for (const file of files) {
        const key = joinKey(prefix, relative(base, file).split(sep).join('/'));
        await publish(key, (temp) => copyFile(file, temp));
      }
    },

    async stat(key: string): Promise<StoredObject | null> {
      return objectAt(pathOf(key));
    },

    read(key: string, range?: ByteRange): Promise<Readable> {
      return readStream(key, range);
    },

    async readBuffer(key: string): Promise<Buffer> {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        throw isMissing(error) ? notFound(`object ${key}`) : error;
      }
    },

    async downloadTo(key: string, localPath: string): Promise<void> {
      const source = pathOf(key);
      await mkdir(dirname(resolve(localPath)), { recursive: true });
      try {
        await copyFile(source, localPath);
      } catch (error) {
        throw isMissing(error) ? notFound(`object ${key}`) : error;
      }
    },

    async deletePrefix(prefix: string): Promise<void> {
      // Deleting everything is never what a caller meant.
      if (prefix === '') throw new AppError('VALIDATION_FAILED', 'deletePrefix needs a non-empty prefix');
      const objects = await list(prefix);
      const folders = new Set<string>();
      for (const object of objects) {
        const path = pathOf(object.key);
        await unlink(path).catch((error: unknown) => {
          if (!isMissing(error)) throw error;
        });
        folders.add(dirname(path));
      }
      const deepestFirst = [...folders].sort((a, b) => b.length - a.length);
      for (const folder of deepestFirst) await pruneEmptyFolders(folder);
    },

    list,
  };
}
