/**
 * The baseline for bench/feed.ts: a bare Fastify route answering a constant JSON body, the same
 * object the feed returned once. It is serialised on every request, as the feed's is, so the
 * difference between the two is the app's own work (caller, cookies, validation, the database).
 *
 *   BODY_FILE=/tmp/feed.json PORT=4001 tsx bench/support/bare-server.ts
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const bodyFile = process.env.BODY_FILE;
if (!bodyFile) throw new Error('BODY_FILE is required');
const port = Number(process.env.PORT ?? 0);
const body: unknown = JSON.parse(readFileSync(bodyFile, 'utf8'));

const app = Fastify({ logger: false });
app.get('/bare', async () => body);
await app.listen({ port, host: '127.0.0.1' });
console.log(`bare server listening on ${port}`);

process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
