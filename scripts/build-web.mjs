// Builds web/ into dist/web. With --if-stale it does nothing when the build is newer than every source file,
// so `npm install` and `npm start` stay fast after the first time.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = resolve(import.meta.dirname, '..');
const webDir = join(root, 'web');
const outIndex = join(root, 'dist', 'web', 'index.html');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

if (!existsSync(join(webDir, 'index.html'))) process.exit(0);
if (!existsSync(join(root, 'node_modules', 'vite'))) process.exit(0);
if (process.argv.includes('--if-stale') && existsSync(outIndex) && statSync(outIndex).mtimeMs >= newestMtime(webDir)) {
  process.exit(0);
}
const result = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(webDir, 'vite.config.ts')], {
  cwd: root,
  stdio: 'inherit',
  // A test runner's NODE_ENV=test would otherwise ship React's development bundle.
  env: { ...process.env, NODE_ENV: 'production' },
});
process.exit(result.status ?? 1);
