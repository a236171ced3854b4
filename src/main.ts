import { loadConfig } from './config.ts';
import { buildHttpApp, closePlatform, createPlatform, registerWorkers, type ProcessRole } from './app.ts';

const USAGE = 'usage: dualstream serve | worker | all | seed | migrate';
const SHUTDOWN_DEADLINE_MS = 25_000;

async function run(command: string): Promise<void> {
  const config = loadConfig();
  const platform = await createPlatform(config);
  const { log, drivers } = platform;

  if (command === 'migrate') {
    log.info('migrations applied');
    await closePlatform(platform);
    return;
  }
  if (command === 'seed') {
    const { seedDemoContent } = await import('./seed/demo.ts');
    await seedDemoContent(platform);
    await closePlatform(platform);
    return;
  }

  const role = command as ProcessRole;
  const app = role === 'worker' ? null : await buildHttpApp(platform);
  if (role !== 'serve') {
    registerWorkers(platform);
    drivers.queue.start();
  }
  if (app) {
    await app.listen({ port: config.port, host: config.host });
    log.info(`dualstream ${role} listening on ${config.publicUrl}`);
  }
  if (role === 'all' && config.seedDemo) {
    const { seedDemoContent } = await import('./seed/demo.ts');
    // Seeding runs beside the server: the page answers at once and episodes appear as they are made.
    void seedDemoContent(platform).catch((error: unknown) => log.error({ err: error }, 'demo seeding failed'));
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    void (async () => {
      await app?.close();
      await closePlatform(platform);
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

const command = process.argv[2] ?? 'all';
if (!['serve', 'worker', 'all', 'seed', 'migrate'].includes(command)) {
  console.error(USAGE);
  process.exit(2);
}
run(command).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
