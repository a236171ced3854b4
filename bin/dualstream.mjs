#!/usr/bin/env node
// Runs the TypeScript entry point under Node with tsx's loader, so the CLI needs no build step.
// Signals are passed on, so SIGTERM reaches the app's graceful shutdown.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Resolved from here, so the CLI works from any working directory.
const tsxLoader = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--import', tsxLoader, join(root, 'src', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: process.cwd(),
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
