import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isAppError } from '../../core/errors.ts';
import { createFsStorage } from './fs-storage.ts';
import type { Storage } from './port.ts';

/**
 * The storage contract. Only the fs driver exists so far; an S3 driver must pass the same
 * suite (add it to `drivers` behind an env check).
 */

const scratch: string[] = [];

async function scratchDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `ds-storage-${label}-`));
  scratch.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

interface DriverCase {
  name: string;
  make: () => Promise<Storage>;
}

const drivers: DriverCase[] = [{ name: 'fs', make: async () => createFsStorage(await scratchDir('root')) }];

describe.each(drivers)('storage contract ($name)', ({ make }) => {
  it('stores a buffer and reads it back whole, as a stream and as a buffer', async () => {
    const storage = await make();
    const body = Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n');
    await storage.putBuffer('hls/ep_1/master.m3u8', body, 'application/vnd.apple.mpegurl');
    expect(await storage.readBuffer('hls/ep_1/master.m3u8')).toEqual(body);
    expect(await collect(await storage.read('hls/ep_1/master.m3u8'))).toEqual(body);
    const info = await storage.stat('hls/ep_1/master.m3u8');
    expect(info?.key).toBe('hls/ep_1/master.m3u8');
    expect(info?.size).toBe(body.length);
    expect(info?.modifiedAt).toBeInstanceOf(Date);
  });

  it('overwrites an object', async () => {
    const storage = await make();
    await storage.putBuffer('a/b.txt', Buffer.from('first version'));
    await storage.putBuffer('a/b.txt', Buffer.from('second'));
    expect((await storage.readBuffer('a/b.txt')).toString()).toBe('second');
    expect((await storage.stat('a/b.txt'))?.size).toBe(6);
  });

  it('reads an inclusive byte range, clamping the end to the object', async () => {
    const storage = await make();
    await storage.putBuffer('seg.ts', Buffer.from('0123456789'));
    expect((await collect(await storage.read('seg.ts', { start: 2, end: 5 }))).toString()).toBe('2345');
    expect((await collect(await storage.read('seg.ts', { start: 9, end: 9 }))).toString()).toBe('9');
    expect((await collect(await storage.read('seg.ts', { start: 7, end: 100 }))).toString()).toBe('789');
    await expect(storage.read('seg.ts', { start: 10, end: 12 })).rejects.toThrow(/not satisfiable/);
    await expect(storage.read('seg.ts', { start: 5, end: 2 })).rejects.toThrow(/not satisfiable/);
  });

  it('reports a missing object as null from stat and NOT_FOUND from reads', async () => {
    const storage = await make();
    await storage.putBuffer('dir/file.bin', Buffer.from('x'));
    expect(await storage.stat('nope/missing.bin')).toBeNull();
    expect(await storage.stat('dir')).toBeNull();
    for (const attempt of [
      () => storage.readBuffer('nope/missing.bin'),
      () => storage.read('nope/missing.bin'),
      () => storage.read('dir'),
      () => storage.downloadTo('nope/missing.bin', join(tmpdir(), 'never-written.bin')),
    ]) {
      const error: unknown = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isAppError(error) && error.code === 'NOT_FOUND').toBe(true);
    }
  });

  it('lists by plain string prefix, sorted by key, with sizes', async () => {
    const storage = await make();
    await storage.putBuffer('hls/ep_1/720p/seg_002.ts', Buffer.from('bb'));
    await storage.putBuffer('hls/ep_1/720p/seg_001.ts', Buffer.from('a'));
    await storage.putBuffer('hls/ep_1/master.m3u8', Buffer.from('m'));
    await storage.putBuffer('hls/ep_10/master.m3u8', Buffer.from('other'));
    await storage.putBuffer('posters/ep_1.jpg', Buffer.from('jpg'));

    const folder = await storage.list('hls/ep_1/');
    expect(folder.map((o) => o.key)).toEqual(['hls/ep_1/720p/seg_001.ts', 'hls/ep_1/720p/seg_002.ts', 'hls/ep_1/master.m3u8']);
    expect(folder.map((o) => o.size)).toEqual([1, 2, 1]);
    expect((await storage.list('hls/ep_1')).map((o) => o.key)).toContain('hls/ep_10/master.m3u8');
    expect((await storage.list('hls/ep_1/720p/seg_00')).map((o) => o.key)).toHaveLength(2);
    expect(await storage.list('nothing/here/')).toEqual([]);
    expect((await storage.list('')).map((o) => o.key)).toEqual([
      'hls/ep_1/720p/seg_001.ts',
      'hls/ep_1/720p/seg_002.ts',
      'hls/ep_1/master.m3u8',
      'hls/ep_10/master.m3u8',
      'posters/ep_1.jpg',
    ]);
  });

  it('deletes by prefix and nothing else', async () => {
    const storage = await make();
    await storage.putBuffer('hls/ep_1/720p/seg_001.ts', Buffer.from('a'));
    await storage.putBuffer('hls/ep_1/master.m3u8', Buffer.from('m'));
    await storage.putBuffer('hls/ep_10/master.m3u8', Buffer.from('keep'));
    await storage.deletePrefix('hls/ep_1/');
    expect(await storage.list('hls/')).toEqual([expect.objectContaining({ key: 'hls/ep_10/master.m3u8' })]);
    expect(await storage.stat('hls/ep_1/master.m3u8')).toBeNull();
    await storage.deletePrefix('does/not/exist/');
    await expect(storage.deletePrefix('')).rejects.toThrow();
    expect(await storage.stat('hls/ep_10/master.m3u8')).not.toBeNull();
  });

  it('uploads a local directory recursively under a prefix', async () => {
    const storage = await make();
    const local = await scratchDir('upload');
    await mkdir(join(local, '480p', 'deep'), { recursive: true });
    await writeFile(join(local, 'master.m3u8'), 'master');
    await writeFile(join(local, '480p', 'index.m3u8'), 'index');
    await writeFile(join(local, '480p', 'deep', 'seg_000.ts'), 'segment');
    await storage.putDirectory('hls/ep_2', local);
    const listed = await storage.list('hls/ep_2/');
    expect(listed.map((o) => o.key)).toEqual(['hls/ep_2/480p/deep/seg_000.ts', 'hls/ep_2/480p/index.m3u8', 'hls/ep_2/master.m3u8']);
    expect((await storage.readBuffer('hls/ep_2/480p/deep/seg_000.ts')).toString()).toBe('segment');
    await storage.putDirectory('hls/ep_3/', local);
    expect(await storage.stat('hls/ep_3/master.m3u8')).not.toBeNull();
  });

  it('puts a local file and downloads an object to a local file', async () => {
    const storage = await make();
    const local = await scratchDir('files');
    const source = join(local, 'source.mp4');
    await writeFile(source, Buffer.alloc(3000, 7));
    await storage.putFile('uploads/upl_1/source.mp4', source, 'video/mp4');
    const target = join(local, 'nested', 'copy.mp4');
    await storage.downloadTo('uploads/upl_1/source.mp4', target);
    expect(await readFile(target)).toEqual(Buffer.alloc(3000, 7));
  });

  it('rejects keys that could escape the store', async () => {
    const storage = await make();
    const badKeys = ['', '../etc/passwd', 'a/../../b', 'a/./b', '/abs/path', 'a\\b', 'a\0b', 'a//b', '..', 'a/'];
    for (const key of badKeys) {
      await expect(storage.putBuffer(key, Buffer.from('x')), key).rejects.toThrow(/invalid storage key/);
      await expect(storage.readBuffer(key), key).rejects.toThrow(/invalid storage key/);
      await expect(storage.stat(key), key).rejects.toThrow(/invalid storage key/);
      await expect(storage.downloadTo(key, join(tmpdir(), 'x')), key).rejects.toThrow(/invalid storage key/);
    }
    for (const prefix of ['../', '/abs/', 'a/../', 'a\\b/', '..']) {
      await expect(storage.list(prefix), prefix).rejects.toThrow(/invalid storage key/);
      await expect(storage.deletePrefix(prefix), prefix).rejects.toThrow(/invalid storage key/);
      await expect(storage.putDirectory(prefix, tmpdir()), prefix).rejects.toThrow(/invalid storage key/);
    }
  });

  it('never shows a half-written object to a concurrent reader', async () => {
    const storage = await make();
    const versions = [Buffer.alloc(1 << 20, 1), Buffer.alloc(1 << 20, 2)];
    await storage.putBuffer('big.bin', versions[0] ?? Buffer.alloc(0));
    const writes = (async () => {
      for (let i = 0; i < 10; i++) await storage.putBuffer('big.bin', versions[i % 2] ?? Buffer.alloc(0));
    })();
    const reads = (async () => {
      for (let i = 0; i < 20; i++) {
        const body = await storage.readBuffer('big.bin');
        expect(body.length).toBe(1 << 20);
        expect(body.equals(versions[0] ?? Buffer.alloc(0)) || body.equals(versions[1] ?? Buffer.alloc(0))).toBe(true);
      }
    })();
    await Promise.all([writes, reads]);
    expect((await storage.list('')).map((o) => o.key)).toEqual(['big.bin']);
  });
});

describe('fs storage layout', () => {
  it('keeps objects as plain files under the root and leaves no temporary files behind', async () => {
    const root = await scratchDir('layout');
    const storage = createFsStorage(root);
    await storage.putBuffer('hls/ep_9/master.m3u8', Buffer.from('m'));
    expect(await readFile(join(root, 'hls', 'ep_9', 'master.m3u8'), 'utf8')).toBe('m');
    expect(await readdir(join(root, '.partial'))).toEqual([]);
    await expect(storage.putBuffer('.partial/x', Buffer.from('x'))).rejects.toThrow(/reserved/);
    await storage.deletePrefix('hls/ep_9/');
    expect(await readdir(root)).toEqual(['.partial']);
  });
});
