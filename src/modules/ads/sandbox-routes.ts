import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../core/errors.ts';
import { ADS_SANDBOX_PATH, type SandboxAdNetwork } from '../../drivers/ads/sandbox.ts';
import type { HttpApp } from '../../http/types.ts';

const tags = ['ads'];

/** One `bytes=a-b` range (what video elements ask for); anything else gets the whole file. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return null;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return null;
  if (from === '') {
    const suffix = Number(to);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  return start >= size || end < start ? 'unsatisfiable' : { start, end };
}

/** The sandbox network's own endpoints (what its CDN and SDK would call), served here because it lives in our process. */
export function registerAdsSandboxRoutes(app: HttpApp, network: SandboxAdNetwork): void {
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();

    scope.get(
      `${ADS_SANDBOX_PATH}/creative.mp4`,
      { config: { access: 'public' }, schema: { tags, summary: 'The sandbox ad clip (MP4, rendered once)' } },
      async (request, reply) => {
        const path = await network.creativeFile();
        const { size, mtime } = await stat(path);
        reply.type('video/mp4').header('accept-ranges', 'bytes').header('cache-control', 'public, max-age=3600').header('last-modified', mtime.toUTCString());
        const range = byteRange(request.headers.range, size);
        if (range === 'unsatisfiable') {
          reply.header('content-range', `bytes */${size}`);
          throw new AppError('RANGE_NOT_SATISFIABLE', `The clip has ${size} bytes`);
        }
        if (!range) return reply.header('content-length', size).send(createReadStream(path));
        return reply
          .status(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
          .header('content-length', range.end - range.start + 1)
          .send(createReadStream(path, range));
      },
    );

    scope.get(
      `${ADS_SANDBOX_PATH}/verifier-keys.json`,
      { config: { access: 'public' }, schema: { tags, summary: "The sandbox network's public keys for its reward callbacks (as AdMob's key server)" } },
      async () => ({ keys: network.verifierKeys() }),
    );

    scope.post(
      `${ADS_SANDBOX_PATH}/views/:id/complete`,
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'The clip ended: once its whole length has passed, the network sends our server a signed reward callback',
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 202: Type.Object({ viewId: Type.String(), completed: Type.Literal(true) }) },
        },
      },
      async (request, reply) => {
        const done = await network.complete(request.params.id, request.caller.userId ?? '');
        return reply.status(202).send(done);
      },
    );
  });
}
