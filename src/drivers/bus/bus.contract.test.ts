import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { testNatsUrl } from '../../../test/support/services.ts';
import { createMemoryBus } from './memory-bus.ts';
import { createNatsBus } from './nats-bus.ts';
import type { Bus, BusEvent } from './port.ts';

/**
 * The bus contract, run on memory always and on NATS JetStream when NATS_URL is set. Each
 * run uses its own stream and subject root so runs never see each other's events. `open`
 * gives two handles on one bus: for NATS two connections, as two processes would have.
 */

const natsUrl = testNatsUrl();
const run = randomBytes(4).toString('hex');
const root = `t${run}`;
const stream = `DSTEST_${run.toUpperCase()}`;
const opened = new Set<Bus>();

interface DriverCase {
  name: string;
  enabled: boolean;
  open: () => Promise<[Bus, Bus]>;
}

const drivers: DriverCase[] = [
  {
    name: 'memory',
    enabled: true,
    open: async () => {
      const bus = createMemoryBus({ subjects: [`${root}.>`] });
      opened.add(bus);
      return [bus, bus];
    },
  },
  {
    name: 'nats',
    enabled: natsUrl !== null,
    open: async () => {
      if (!natsUrl) throw new Error('NATS_URL is not set');
      const pair: [Bus, Bus] = [
        await createNatsBus(natsUrl, { stream, subjects: [`${root}.>`] }),
        await createNatsBus(natsUrl, { stream, subjects: [`${root}.>`] }),
      ];
      for (const bus of pair) opened.add(bus);
      return pair;
    },
  },
];

afterAll(async () => {
  await Promise.all([...opened].map((bus) => bus.close()));
  if (natsUrl) {
    const nc = await connect({ servers: natsUrl });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

let counter = 0;
function unique(label: string): string {
  counter += 1;
  return `${label}${counter}`;
}

for (const driver of drivers) {
  describe.runIf(driver.enabled)(`bus contract (${driver.name})`, () => {
    it('delivers a published event to a subscribed group', async () => {
      const [bus] = await driver.open();
      const subject = `${root}.${unique('basic')}.created`;
      const received: BusEvent[] = [];
      await bus.subscribe(subject, async (event) => {
        received.push(event);
      }, { group: unique('g') });
      const published = await bus.publish(subject, { episodeId: 'ep_1' });
      expect(published.id).toMatch(/^evt_/);
      expect(published.subject).toBe(subject);
      expect(Number.isNaN(Date.parse(published.occurredAt))).toBe(false);
      await waitFor(() => received.length === 1);
      expect(received[0]).toEqual(published);
    });

    it('delivers each event to one member of a group, and to every group', async () => {
      const [first, second] = await driver.open();
      const subject = `${root}.${unique('groups')}.x`;
      const group = unique('workers');
      const byMember: string[][] = [[], []];
      const audit: string[] = [];
      await first.subscribe(subject, async (event) => {
        byMember[0]?.push(event.id);
      }, { group });
      await second.subscribe(subject, async (event) => {
        byMember[1]?.push(event.id);
      }, { group });
      await second.subscribe(subject, async (event) => {
        audit.push(event.id);
      }, { group: unique('audit') });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await first.publish(subject, { i })).id);
      await waitFor(() => audit.length === 10 && (byMember[0]?.length ?? 0) + (byMember[1]?.length ?? 0) === 10);
      await sleep(300);
      const delivered = [...(byMember[0] ?? []), ...(byMember[1] ?? [])];
      expect(delivered.sort()).toEqual([...ids].sort());
      expect(audit).toEqual(ids);
    });

    it('redelivers an event whose handler threw, keeping later events behind it', async () => {
      const [bus] = await driver.open();
      const subject = `${root}.${unique('retry')}.x`;
      const attempts: number[] = [];
      let failuresLeft = 2;
      await bus.subscribe(subject, async (event) => {
        const n = Number(event.data.n);
        attempts.push(n);
        if (n === 0 && failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('not yet');
        }
      }, { group: unique('g') });
      await bus.publish(subject, { n: 0 });
      await bus.publish(subject, { n: 1 });
      await waitFor(() => attempts.includes(1));
      expect(attempts).toEqual([0, 0, 0, 1]);
    });

    it('delivers an id published twice only once', async () => {
      const [bus, other] = await driver.open();
      const subject = `${root}.${unique('dedupe')}.x`;
      const received: string[] = [];
      await bus.subscribe(subject, async (event) => {
        received.push(event.id);
      }, { group: unique('g') });
      const id = `evt_${unique('fixed')}_${run}`;
      await bus.publish(subject, { copy: 1 }, id);
      await other.publish(subject, { copy: 2 }, id);
      await bus.publish(subject, { copy: 3 });
      await waitFor(() => received.length >= 2);
      await sleep(400);
      expect(received).toHaveLength(2);
      expect(received[0]).toBe(id);
    });

    it('keeps publish order within a group across members', async () => {
      const [first, second] = await driver.open();
      const subject = `${root}.${unique('order')}.x`;
      const group = unique('g');
      const seen: number[] = [];
      const handler = async (event: BusEvent): Promise<void> => {
        await sleep(Math.floor(Math.random() * 5));
        seen.push(Number(event.data.n));
      };
      await first.subscribe(subject, handler, { group });
      await second.subscribe(subject, handler, { group });
      for (let n = 0; n < 25; n++) await (n % 2 === 0 ? first : second).publish(subject, { n });
      await waitFor(() => seen.length === 25, 20_000);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, n) => n));
    });

    it('matches wildcard subscriptions as NATS does', async () => {
      const [bus] = await driver.open();
      const base = `${root}.${unique('wild')}`;
      const oneToken: string[] = [];
      const rest: string[] = [];
      await bus.subscribe(`${base}.*`, async (event) => {
        oneToken.push(event.subject);
      }, { group: unique('g') });
      await bus.subscribe(`${base}.>`, async (event) => {
        rest.push(event.subject);
      }, { group: unique('g') });
      await bus.publish(`${base}.a`, {});
      await bus.publish(`${base}.a.b`, {});
      await bus.publish(`${base}.c`, {});
      await waitFor(() => rest.length === 3 && oneToken.length === 2);
      await sleep(200);
      expect(oneToken).toEqual([`${base}.a`, `${base}.c`]);
      expect(rest).toEqual([`${base}.a`, `${base}.a.b`, `${base}.c`]);
    });

    it('refuses subjects outside the bus and malformed subjects', async () => {
      const [bus] = await driver.open();
      await expect(bus.publish(`elsewhere${run}.x`, {})).rejects.toThrow();
      await expect(bus.publish(`${root}.has space`, {})).rejects.toThrow();
      await expect(bus.publish(`${root}.*`, {})).rejects.toThrow();
      await expect(bus.publish(`${root}..x`, {})).rejects.toThrow();
      await expect(bus.subscribe(`elsewhere${run}.>`, async () => undefined, { group: 'g' })).rejects.toThrow();
    });
  });
}

describe.runIf(natsUrl !== null)('nats bus durability', () => {
  it('keeps events for a group while none of its members is connected', async () => {
    if (!natsUrl) throw new Error('NATS_URL is not set');
    const subject = `${root}.${unique('durable')}.x`;
    const group = unique('g');
    const options = { stream, subjects: [`${root}.>`] };
    const received: number[] = [];
    const before = await createNatsBus(natsUrl, options);
    await before.subscribe(subject, async (event) => {
      received.push(Number(event.data.n));
    }, { group });
    await before.publish(subject, { n: 1 });
    await waitFor(() => received.length === 1);
    await before.close();

    const publisher = await createNatsBus(natsUrl, options);
    opened.add(publisher);
    await publisher.publish(subject, { n: 2 });
    await publisher.publish(subject, { n: 3 });

    const after = await createNatsBus(natsUrl, options);
    opened.add(after);
    await after.subscribe(subject, async (event) => {
      received.push(Number(event.data.n));
    }, { group });
    await waitFor(() => received.length === 3);
    expect(received).toEqual([1, 2, 3]);
  });
});
