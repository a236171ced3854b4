import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Queue } from './port.ts';
import { databaseLabel, gate, jobWithStatus, sleep, uniqueQueue, useQueueHarness, waitFor } from './queue-test-kit.ts';
import { jobs } from './schema.ts';

const harness = useQueueHarness();

describe(`db queue contract: workers, leases and shutdown (${databaseLabel})`, () => {
  it('four workers with their own connections run each of 200 jobs exactly once', async () => {
    const name = uniqueQueue('many');
    const runs = new Map<string, number>();
    const workers = new Set<string>();
    const queues: Queue[] = [];
    for (let i = 0; i < 4; i++) {
      const db = await harness.openAnotherConnection();
      const workerId = `crowd-${i}`;
      const queue = harness.makeQueue({ workerId, pollIntervalMs: 10 }, db);
      queue.work(
        name,
        async (_payload, ctx) => {
          runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1);
          workers.add(workerId);
          await sleep(Math.floor(Math.random() * 4));
        },
        { concurrency: 4 },
      );
      queues.push(queue);
    }
    const producer = queues[0];
    if (!producer) throw new Error('no queue');
    const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => producer.enqueue(name, { i })));
    for (const queue of queues) queue.start();
    await waitFor(async () => {
      const rows = await harness.database.db
        .select({ n: count() })
        .from(jobs)
        .where(and(eq(jobs.queue, name), eq(jobs.status, 'done')));
      return Number(rows[0]?.n) === 200;
    }, 60_000);
    expect(runs.size).toBe(200);
    expect(new Set(ids).size).toBe(200);
    for (const id of ids) expect(runs.get(id)).toBe(1);
    expect(workers.size).toBeGreaterThan(1);
    const attempts = await harness.database.db.select({ attempts: jobs.attempts }).from(jobs).where(inArray(jobs.id, ids));
    expect(attempts.every((row) => row.attempts === 1)).toBe(true);
  });

  it('a running worker deletes done jobs past the retention and keeps recent, dead and queued ones', async () => {
    const name = uniqueQueue('janitor');
    const { db } = harness.database;
    const row = (id: string, status: 'done' | 'dead' | 'queued', finishedAgo: string | null) => ({
      id,
      queue: name,
      payload: {},
      status,
      finishedAt: finishedAgo === null ? null : sql`now() - ${finishedAgo}::interval`,
      // A run_at far ahead keeps the queued row from being claimed by anyone.
      runAt: sql`now() + interval '1 day'`,
    });
    await db.insert(jobs).values([
      row(`${name}-old-done`, 'done', '2 hours'),
      row(`${name}-new-done`, 'done', '1 minute'),
      row(`${name}-old-dead`, 'dead', '2 hours'),
      row(`${name}-queued`, 'queued', null),
    ]);
    const queue = harness.makeQueue({ retentionMs: 3_600_000, purgeEveryMs: 10, pollIntervalMs: 10 });
    queue.work(uniqueQueue('idle'), async () => {});
    queue.start();
    const left = async () => (await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.queue, name))).map((r) => r.id).sort();
    await waitFor(async () => !(await left()).includes(`${name}-old-done`), 20_000);
    expect(await left()).toEqual([`${name}-new-done`, `${name}-old-dead`, `${name}-queued`].sort());
  });

  it("takes over a crashed worker's job once its lease expires", async () => {
    const name = uniqueQueue('crash');
    const queue = harness.makeQueue();
    const ran: string[] = [];
    queue.work(name, async (_payload, ctx) => {
      ran.push(ctx.job.id);
    });
    const expired = await queue.enqueue(name, { which: 'expired' });
    const live = await queue.enqueue(name, { which: 'live' });
    // What a worker leaves behind when it dies mid-job: running, attempt counted, lease ticking.
    await harness.database.db
      .update(jobs)
      .set({ status: 'running', attempts: 1, lockedBy: 'dead-worker', lockedUntil: sql`now() - interval '1 second'` })
      .where(eq(jobs.id, expired));
    await harness.database.db
      .update(jobs)
      .set({ status: 'running', attempts: 1, lockedBy: 'busy-worker', lockedUntil: sql`now() + interval '1 hour'` })
      .where(eq(jobs.id, live));
    queue.start();
    const done = await waitFor(() => jobWithStatus(queue, expired, 'done'));
    expect(done.attempts).toBe(2);
    await sleep(300);
    expect(ran).toEqual([expired]);
    expect((await queue.get(live))?.status).toBe('running');
  });

  it('a heartbeat keeps a long job from being taken over while it runs', async () => {
    const name = uniqueQueue('heartbeat');
    let calls = 0;
    const handler = async (): Promise<void> => {
      calls += 1;
      await sleep(1_000);
    };
    const first = harness.makeQueue({ workerId: 'first', leaseMs: 300 });
    first.work(name, handler);
    first.start();
    const id = await first.enqueue(name, {});
    await waitFor(() => jobWithStatus(first, id, 'running'));
    const second = harness.makeQueue({ workerId: 'second', leaseMs: 300 });
    second.work(name, handler);
    second.start();
    const done = await waitFor(() => jobWithStatus(first, id, 'done'));
    expect(calls).toBe(1);
    expect(done.attempts).toBe(1);
  });

  it('a job whose worker keeps dying ends dead instead of looping', async () => {
    const name = uniqueQueue('poison');
    const queue = harness.makeQueue();
    let calls = 0;
    queue.work(name, async () => {
      calls += 1;
    });
    const id = await queue.enqueue(name, {}, { maxAttempts: 2 });
    await harness.database.db
      .update(jobs)
      .set({ status: 'running', attempts: 2, lockedBy: 'dead-worker', lockedUntil: sql`now() - interval '1 second'` })
      .where(eq(jobs.id, id));
    queue.start();
    await waitFor(() => jobWithStatus(queue, id, 'dead'));
    expect(calls).toBe(0);
  });

  it('a worker that lost its lease cannot overwrite the new owner’s outcome', async () => {
    const name = uniqueQueue('fence');
    const slow = harness.makeQueue({ workerId: 'slow' });
    const slowGate = gate();
    slow.work(name, async () => {
      await slowGate.promise;
    });
    slow.start();
    const id = await slow.enqueue(name, {});
    await waitFor(() => jobWithStatus(slow, id, 'running'));
    await harness.database.db.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.id, id));

    const rescuer = harness.makeQueue({ workerId: 'rescuer' });
    rescuer.work(name, async () => undefined);
    rescuer.start();
    await waitFor(() => jobWithStatus(rescuer, id, 'done'));
    slowGate.fail(new Error('late failure from the stale worker'));
    await sleep(200);
    const job = await rescuer.get(id);
    expect(job?.status).toBe('done');
    expect(job?.lastError).toBeNull();
  });

  it('stop() aborts the signal and waits for the in-flight handler', async () => {
    const name = uniqueQueue('stop');
    const queue = harness.makeQueue();
    let handlerFinished = false;
    let handlerStarted = false;
    let sawAbort = false;
    queue.work(name, async (_payload, ctx) => {
      handlerStarted = true;
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      sawAbort = true;
      await sleep(150);
      handlerFinished = true;
    });
    queue.start();
    const id = await queue.enqueue(name, {});
    // 'running' in the table is not enough: a job claimed but not yet started is handed back on stop.
    await waitFor(async () => handlerStarted);
    await queue.stop(5_000);
    expect(sawAbort).toBe(true);
    expect(handlerFinished).toBe(true);
    expect((await queue.get(id))?.status).toBe('done');
  });

  it('stop() hands back a job whose handler outlives the timeout, and another worker runs it', async () => {
    const name = uniqueQueue('handback');
    const stubborn = harness.makeQueue({ workerId: 'stubborn' });
    const never = gate();
    stubborn.work(name, async () => {
      await never.promise;
    });
    stubborn.start();
    const id = await stubborn.enqueue(name, {});
    await waitFor(() => jobWithStatus(stubborn, id, 'running'));
    const stopStarted = Date.now();
    await stubborn.stop(200);
    expect(Date.now() - stopStarted).toBeLessThan(2_000);
    const released = await stubborn.get(id);
    expect(released?.status).toBe('queued');
    expect(released?.attempts).toBe(0);

    const next = harness.makeQueue({ workerId: 'next' });
    let ranElsewhere = false;
    next.work(name, async () => {
      ranElsewhere = true;
    });
    next.start();
    const done = await waitFor(() => jobWithStatus(next, id, 'done'));
    expect(ranElsewhere).toBe(true);
    expect(done.attempts).toBe(1);
    never.open();
    await sleep(50);
    expect((await next.get(id))?.status).toBe('done');
  });
});
