import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const STARTING_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="refresh" content="2">
<title>dualstream</title><style>body{margin:0;height:100vh;display:grid;place-items:center;background:#0b0b0f;color:#eee;
font-family:system-ui,sans-serif}p{opacity:.7}</style></head><body><div><h1>dualstream</h1>
<p>Starting… 正在启动…</p></div></body></html>`;

/** Answers while the platform boots: alive, not ready, and a page that reloads itself. */
const answerWhileStarting: Handler = (request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/healthz') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"starting":true}');
    return;
  }
  if (request.method === 'GET' && !/^\/(api|media|readyz)(\/|$)/.test(path ?? '')) {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(STARTING_PAGE);
    return;
  }
  response
    .writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '2' })
    .end(JSON.stringify({ type: 'https://dualstream.dev/problems/not-ready', title: 'Not ready', status: 503, detail: 'The server is starting', code: 'NOT_READY' }));
};

/**
 * Listens before the database and modules are loaded, so a newcomer's first request is answered
 * at once; `attach` hands the socket over to the real app when it is ready.
 */
export async function listenEarly(port: number, host: string): Promise<{ server: Server; attach(handler: Handler): void }> {
  let current: Handler = answerWhileStarting;
  const server = createServer((request, response) => current(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    attach(handler) {
      current = handler;
    },
  };
}
