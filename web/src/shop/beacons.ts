import { headersFor } from '../api/client.ts';
import { randomUuid } from '../lib/uuid.ts';

/**
 * Card impressions and clicks for attribution. Batched (one request per short burst), each event with
 * a client uuid so a retry is counted once by the server, retried with backoff on network or server
 * failure, and flushed with keepalive when the page goes away. fetch rather than sendBeacon: the POST
 * needs the CSRF header.
 */

export type CardEventType = 'card_impression' | 'card_click';

interface CardEvent {
  id: string;
  type: CardEventType;
  placementId: string;
  atMs: number;
}

const BATCH_DELAY_MS = 1000;
const MAX_BATCH = 100;
const MAX_QUEUE = 500;
const RETRY_BASE_MS = 2000;
const RETRY_MAX_MS = 60_000;

const queue: CardEvent[] = [];
let timer = 0;
let inFlight = false;
let failures = 0;
let listening = false;

function schedule(delay: number): void {
  if (timer) return;
  timer = window.setTimeout(() => {
    timer = 0;
    void flush(false);
  }, delay);
}

async function flush(leaving: boolean): Promise<void> {
  if (inFlight || queue.length === 0) return;
  const batch = queue.splice(0, MAX_BATCH);
  inFlight = true;
  let retry = false;
  try {
    const response = await fetch('/api/v1/events', {
      method: 'POST',
      headers: headersFor('POST', 'application/json'),
      body: JSON.stringify({ events: batch }),
      credentials: 'same-origin',
      keepalive: true,
    });
    // 4xx: the server judged the batch (bad shape, signed out mid-way): sending it again changes nothing.
    retry = response.status >= 500 || response.status === 429;
  } catch {
    retry = true;
  } finally {
    inFlight = false;
  }
  if (retry) {
    queue.unshift(...batch);
    queue.splice(MAX_QUEUE);
    failures += 1;
    if (!leaving) schedule(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1)));
    return;
  }
  failures = 0;
  if (queue.length > 0) schedule(leaving ? 0 : BATCH_DELAY_MS);
}

function listen(): void {
  if (listening) return;
  listening = true;
  const leave = (): void => {
    window.clearTimeout(timer);
    timer = 0;
    void flush(true);
  };
  window.addEventListener('pagehide', leave);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') leave();
  });
}

export function trackCard(type: CardEventType, placementId: string, atMs: number): void {
  listen();
  if (queue.length >= MAX_QUEUE) return;
  queue.push({ id: randomUuid(), type, placementId, atMs: Math.max(0, Math.round(atMs)) });
  // A click often comes right before leaving for checkout: send it at once.
  if (type === 'card_click') {
    window.clearTimeout(timer);
    timer = 0;
    void flush(false);
  } else {
    schedule(BATCH_DELAY_MS);
  }
}

/** Resolves when everything queued has been answered (or given up on for now): before leaving for checkout. */
export async function flushCardEvents(): Promise<void> {
  window.clearTimeout(timer);
  timer = 0;
  for (let i = 0; i < 20 && (queue.length > 0 || inFlight); i += 1) {
    if (!inFlight) await flush(true);
    else await new Promise((resolve) => window.setTimeout(resolve, 50));
    if (failures > 0) return;
  }
}
