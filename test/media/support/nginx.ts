import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const DOCS_CONF = resolve(import.meta.dirname, '../../../docs/nginx/dualstream.conf');

/** The nginx binary if one is installed with the modules the docs config needs. */
export function findNginx(): string | null {
  for (const candidate of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    if (candidate.startsWith('/') && !existsSync(candidate)) continue;
    const result = spawnSync(candidate, ['-V'], { encoding: 'utf8', timeout: 10_000 });
    if (result.error || result.status !== 0) continue;
    const build = `${result.stdout}${result.stderr}`;
    if (build.includes('http_secure_link_module') && build.includes('http_auth_request_module')) return candidate;
  }
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface RunningNginx {
  baseUrl: string;
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground with docs/nginx/dualstream.conf, changed only where the doc says
 * to change it: the listen port, the media dir, the secret and the app address.
 */
export async function startNginx(options: { binary: string; mediaDir: string; secret: string; appPort: number }): Promise<RunningNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'ds-nginx-'));
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(prefix, dir));
  const port = await freePort();
  const docs = await readFile(DOCS_CONF, 'utf8');
  const site = docs
    .replaceAll('MEDIA_SECRET_VALUE', options.secret)
    .replaceAll('/var/lib/dualstream/media', options.mediaDir)
    .replaceAll('127.0.0.1:3001', `127.0.0.1:${options.appPort}`)
    .replaceAll('127.0.0.1:3002', `127.0.0.1:${options.appPort}`)
    .replace('listen 80;', `listen 127.0.0.1:${port};`);
  if (site === docs || !site.includes(`listen 127.0.0.1:${port};`)) throw new Error('docs config lost its placeholders');
  await writeFile(join(prefix, 'dualstream.conf'), site);
  const runsAsRoot = process.getuid?.() === 0;
  await writeFile(
    join(prefix, 'nginx.conf'),
    [
      // As root, workers would drop to nobody, who cannot read the test's 0700 temp folders.
      ...(runsAsRoot ? ['user root;'] : []),
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${join(prefix, 'client_body')};`,
      `  proxy_temp_path ${join(prefix, 'proxy')};`,
      `  fastcgi_temp_path ${join(prefix, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(prefix, 'uwsgi')};`,
      `  scgi_temp_path ${join(prefix, 'scgi')};`,
      `  include ${join(prefix, 'dualstream.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-e', join(prefix, 'error.log'), '-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'];
  const check = spawnSync(options.binary, [...args, '-t'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx rejected the config:\n${check.stderr}`);

  const child: ChildProcess = spawn(options.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const up = await fetch(`${baseUrl}/media/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    baseUrl,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      const log = await readFile(join(prefix, 'error.log'), 'utf8').catch(() => '');
      await rm(prefix, { recursive: true, force: true });
      if (/\[(emerg|alert|crit)\]/.test(log)) throw new Error(`nginx logged errors:\n${log}`);
    },
  };
}
