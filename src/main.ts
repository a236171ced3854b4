import { loadConfig } from './config.ts';
import { listenEarly } from './http/early-server.ts';

const USAGE = 'usage: dualstream serve | worker | all | seed | migrate';
const SHUTDOWN_DEADLINE_MS = 25_000;
type Command = 'serve' | 'worker' | 'all' | 'seed' | 'migrate';

async function run(command: Command): Promise<void> {
  const config = loadConfig();
  // HTTP answers before the database and the modules load, so a first start never shows nothing.
  const early = command === 'serve' || command === 'all' ? await listenEarly(config.port, config.host) : null;
  const { buildHttpApp, closePlatform, createPlatform, registerWorkers } = await import('./app.ts');
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

  const app = early ? await buildHttpApp(platform, early) : null;
  if (command !== 'serve') {
    registerWorkers(platform);
    drivers.queue.start();
  }
  if (app) {
    await app.ready();
    log.info(`dualstream ${command} listening on ${config.publicUrl}`);
  }
  if (command === 'all' && config.seedDemo) {
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
      // Fastify refuses new requests and marks answers `connection: close`; the server we listen
      // on ourselves (early-server.ts) is closed here, which waits for requests in flight.
      await app?.close();
      if (early) {
        await new Promise<void>((resolve) => {
          early.server.close(() => resolve());
          early.server.closeIdleConnections();
        });
      }
      await closePlatform(platform);
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function isCommand(value: string): value is Command {
  return ['serve', 'worker', 'all', 'seed', 'migrate'].includes(value);
}

const command = process.argv[2] ?? 'all';
if (!isCommand(command)) {
  console.error(USAGE);
  process.exit(2);
}
run(command).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
