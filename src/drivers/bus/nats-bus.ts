import { createHash } from 'node:crypto';
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  nanos,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from 'nats';
import type { Logger } from 'pino';
import { newId } from '../../core/ids.ts';
import type { Bus, BusEvent, BusHandler, SubscribeOptions } from './port.ts';
import { assertPattern, assertSubject, DEDUPE_WINDOW_MS, patternIsCovered, redeliveryDelayMs } from './subjects.ts';

export interface NatsBusOptions {
  stream?: string;
  subjects?: string[];
  log?: Logger;
}

const ACK_WAIT_MS = 30_000;
const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;
const CONSUMER_NOT_FOUND = 10014;
const CONSUMER_NAME_IN_USE = 10013;
const CONSUMER_ALREADY_EXISTS = 10148;

function apiErrorCode(error: unknown): number | null {
  if (typeof error !== 'object' || error === null || !('api_error' in error)) return null;
  const apiError: unknown = error.api_error;
  if (typeof apiError !== 'object' || apiError === null || !('err_code' in apiError)) return null;
  return typeof apiError.err_code === 'number' ? apiError.err_code : null;
}

/** A durable consumer name per (group, subject): stable across restarts, legal for NATS. */
export function consumerName(group: string, subject: string): string {
  const slug = `${group}-${subject}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48);
  const hash = createHash('sha256').update(JSON.stringify([group, subject])).digest('hex').slice(0, 10);
  return `${slug}-${hash}`;
}

async function ensureStream(jsm: JetStreamManager, name: string, subjects: string[]): Promise<void> {
  try {
    const info = await jsm.streams.info(name);
    const missing = subjects.filter((subject) => !info.config.subjects.includes(subject));
    if (missing.length > 0) await jsm.streams.update(name, { ...info.config, subjects: [...info.config.subjects, ...missing] });
    return;
  } catch (error) {
    if (apiErrorCode(error) !== STREAM_NOT_FOUND) throw error;
  }
  try {
    await jsm.streams.add({
      name,
      subjects,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(DEDUPE_WINDOW_MS),
    });
  } catch (error) {
    // Another process created it first.
    if (apiErrorCode(error) !== STREAM_NAME_IN_USE) throw error;
  }
}

async function ensureConsumer(jsm: JetStreamManager, stream: string, durable: string, subject: string): Promise<void> {
  try {
    await jsm.consumers.info(stream, durable);
    return;
  } catch (error) {
    if (apiErrorCode(error) !== CONSUMER_NOT_FOUND) throw error;
  }
  try {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      ack_wait: nanos(ACK_WAIT_MS),
      // One unacknowledged event at a time keeps publish order within the group, failures included.
      max_ack_pending: 1,
    });
  } catch (error) {
    const code = apiErrorCode(error);
    if (code !== CONSUMER_NAME_IN_USE && code !== CONSUMER_ALREADY_EXISTS) throw error;
  }
}

/** NATS JetStream: events are stored in one stream; each group is a durable pull consumer. */
export async function createNatsBus(url: string, options: NatsBusOptions = {}): Promise<Bus> {
  const streamName = options.stream ?? 'DUALSTREAM';
  const streamSubjects = options.subjects ?? ['ds.>'];
  const { log } = options;
  const nc = await connect({ servers: url, name: 'dualstream' });
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, streamName, streamSubjects);
  const js = nc.jetstream();
  const encoder = new TextEncoder();
  const subscriptions: { messages: ConsumerMessages; loop: Promise<void> }[] = [];
  let closed = false;

  async function deliver(message: JsMsg, handler: BusHandler): Promise<void> {
    let event: BusEvent;
    try {
      event = message.json<BusEvent>();
    } catch (error) {
      log?.error({ err: error, seq: message.seq }, 'dropping an unreadable bus message');
      message.term();
      return;
    }
    // Tell the server we are alive so a slow handler does not get its event redelivered elsewhere.
    const keepAlive = setInterval(() => message.working(), ACK_WAIT_MS / 3);
    try {
      await handler(event);
      message.ack();
    } catch (error) {
      const delay = redeliveryDelayMs(message.info.deliveryCount);
      log?.warn({ eventId: event.id, subject: event.subject, delay, err: error }, 'bus handler failed; will redeliver');
      message.nak(delay);
    } finally {
      clearInterval(keepAlive);
    }
  }

  return {
    async publish(subject: string, data: Record<string, unknown>, id?: string): Promise<BusEvent> {
      if (closed) throw new Error('the bus is closed');
      assertSubject(subject);
      if (!patternIsCovered(streamSubjects, subject)) throw new Error(`subject ${subject} is outside the bus's subjects`);
      const event: BusEvent = { id: id ?? newId('event'), subject, data, occurredAt: new Date().toISOString() };
      // The ack comes back once the stream has stored the event; msgID drops a republish of the same id.
      await js.publish(subject, encoder.encode(JSON.stringify(event)), { msgID: event.id });
      return event;
    },

    async subscribe(subject: string, handler: BusHandler, subscribeOptions: SubscribeOptions): Promise<void> {
      if (closed) throw new Error('the bus is closed');
      assertPattern(subject);
      if (!patternIsCovered(streamSubjects, subject)) throw new Error(`subject ${subject} is outside the bus's subjects`);
      if (subscribeOptions.group === '') throw new Error('a subscription needs a group');
      const durable = consumerName(subscribeOptions.group, subject);
      await ensureConsumer(jsm, streamName, durable, subject);
      const consumer = await js.consumers.get(streamName, durable);
      const messages = await consumer.consume({ max_messages: 1 });
      const loop = (async () => {
        for await (const message of messages) await deliver(message, handler);
      })().catch((error: unknown) => {
        if (!closed) log?.error({ err: error, durable }, 'bus consumer stopped');
      });
      subscriptions.push({ messages, loop });
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const subscription of subscriptions) subscription.messages.stop();
      await Promise.all(subscriptions.map((subscription) => subscription.loop));
      await nc.drain();
    },
  };
}
