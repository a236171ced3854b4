import type { Logger } from 'pino';
import { newId } from '../../core/ids.ts';
import type { Bus, BusEvent, BusHandler, SubscribeOptions } from './port.ts';
import { assertPattern, assertSubject, DEDUPE_WINDOW_MS, patternIsCovered, redeliveryDelayMs, subjectMatches } from './subjects.ts';

export interface MemoryBusOptions {
  /** Subjects the bus accepts, as a NATS stream's subjects; publishing elsewhere is refused. */
  subjects?: string[];
  log?: Logger;
}

/** One consumer: a group reading one subject pattern, like a NATS durable consumer. */
interface Consumer {
  pattern: string;
  members: BusHandler[];
  nextMember: number;
  pending: BusEvent[];
  deliveries: number;
  inFlight: Promise<void> | null;
  retryTimer: NodeJS.Timeout | null;
}

/**
 * The in-process bus. Each group gets events one at a time in publish order; a handler that
 * throws gets the same event again after a growing delay, and later events wait behind it, as
 * with the NATS driver (max_ack_pending = 1). A new group sees events published after it
 * subscribed. Nothing survives a restart.
 */
export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const streamSubjects = options.subjects ?? ['ds.>'];
  const consumers = new Map<string, Consumer>();
  const seenIds = new Map<string, number>();
  let closed = false;

  function forgetOldIds(now: number): void {
    for (const [id, at] of seenIds) {
      if (now - at < DEDUPE_WINDOW_MS) break;
      seenIds.delete(id);
    }
  }

  function pump(consumer: Consumer): void {
    if (closed || consumer.inFlight || consumer.retryTimer) return;
    const event = consumer.pending[0];
    const member = consumer.members[consumer.nextMember % consumer.members.length];
    if (!event || !member) return;
    consumer.nextMember += 1;
    consumer.deliveries += 1;
    consumer.inFlight = (async () => {
      let delivered = false;
      try {
        await member(event);
        delivered = true;
      } catch (error) {
        // At-least-once: the event stays at the head and is offered again after a pause.
        options.log?.warn({ eventId: event.id, subject: event.subject, err: error }, 'bus handler failed; will redeliver');
      }
      consumer.inFlight = null;
      if (delivered) {
        consumer.pending.shift();
        consumer.deliveries = 0;
        pump(consumer);
      } else if (!closed) {
        consumer.retryTimer = setTimeout(() => {
          consumer.retryTimer = null;
          pump(consumer);
        }, redeliveryDelayMs(consumer.deliveries));
      }
    })();
  }

  return {
    async publish(subject: string, data: Record<string, unknown>, id?: string): Promise<BusEvent> {
      if (closed) throw new Error('the bus is closed');
      assertSubject(subject);
      if (!patternIsCovered(streamSubjects, subject)) throw new Error(`subject ${subject} is outside the bus's subjects`);
      const event: BusEvent = { id: id ?? newId('event'), subject, data, occurredAt: new Date().toISOString() };
      const now = Date.now();
      forgetOldIds(now);
      if (seenIds.has(event.id)) return event;
      seenIds.set(event.id, now);
      // Handlers see their own copy, as they would after a trip through NATS.
      const serialized = JSON.stringify(event);
      for (const consumer of consumers.values()) {
        if (!subjectMatches(consumer.pattern, subject)) continue;
        consumer.pending.push(JSON.parse(serialized) as BusEvent);
        setImmediate(() => pump(consumer));
      }
      return event;
    },

    async subscribe(subject: string, handler: BusHandler, subscribeOptions: SubscribeOptions): Promise<void> {
      if (closed) throw new Error('the bus is closed');
      assertPattern(subject);
      if (!patternIsCovered(streamSubjects, subject)) throw new Error(`subject ${subject} is outside the bus's subjects`);
      if (subscribeOptions.group === '') throw new Error('a subscription needs a group');
      const key = JSON.stringify([subscribeOptions.group, subject]);
      let consumer = consumers.get(key);
      if (!consumer) {
        consumer = { pattern: subject, members: [], nextMember: 0, pending: [], deliveries: 0, inFlight: null, retryTimer: null };
        consumers.set(key, consumer);
      }
      consumer.members.push(handler);
    },

    async close(): Promise<void> {
      closed = true;
      const inFlight: Promise<void>[] = [];
      for (const consumer of consumers.values()) {
        if (consumer.retryTimer) clearTimeout(consumer.retryTimer);
        consumer.retryTimer = null;
        if (consumer.inFlight) inFlight.push(consumer.inFlight);
      }
      await Promise.all(inFlight);
    },
  };
}
