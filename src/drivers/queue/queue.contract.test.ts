import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { PermanentJobError } from './port.ts';
import { databaseLabel, gate, jobWithStatus, sleep, uniqueQueue, useQueueHarness, waitFor } from './queue-test-kit.ts';
import { jobs } from './schema.ts';

const harness = useQueueHarness();

describe(`db queue contract: running jobs (${databaseLabel})`, () => {
  it('runs a job once with its payload and records it done', async () => {
    const name = uniqueQueue('basic');
    const queue = harness.makeQueue();
    const seen: Record<string, unknown>[] = [];
    queue.work(name, async (payload) => {
      seen.push(payload);
    });
    queue.start();
    const id = await queue.enqueue(name, { episodeId: 'ep_1', n: 3 });
    expect(id).toMatch(/^job_/);
    const done = await waitFor(() => jobWithStatus(queue, id, 'done'));
    expect(seen).toEqual([{ episodeId: 'ep_1', n: 3 }]);
    expect(done.attempts).toBe(1);
    expect(done.progress).toBe(100);
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(done.lastError).toBeNull();
  });

  it('does not run a job before its delay', async () => {
    const name = uniqueQueue('delay');
    const queue = harness.makeQueue();
    let ranAt = 0;
    queue.work(name, async () => {
      ranAt = Date.now();
    });
    queue.start();
    const enqueuedAt = Date.now();
    const id = await queue.enqueue(name, {}, { delayMs: 700 });
    await sleep(350);
    expect((await queue.get(id))?.status).toBe('queued');
    await waitFor(() => jobWithStatus(queue, id, 'done'));
    expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(680);
  });

  it('retries a failing job with growing backoff, then marks it dead', async () => {
    const name = uniqueQueue('retry');
    const queue = harness.makeQueue({ backoffBaseMs: 150 });
    const attemptsAt: number[] = [];
    queue.work(name, async () => {
      attemptsAt.push(Date.now());
      throw new Error(`boom ${attemptsAt.length}`);
    });
    queue.start();
    const id = await queue.enqueue(name, {}, { maxAttempts: 3 });
    const dead = await waitFor(() => jobWithStatus(queue, id, 'dead'));
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toContain('boom 3');
    expect(dead.finishedAt).toBeInstanceOf(Date);
    expect(attemptsAt).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = attemptsAt;
    expect(second - first).toBeGreaterThanOrEqual(140);
    expect(third - second).toBeGreaterThanOrEqual(290);
    await sleep(400);
    expect(attemptsAt).toHaveLength(3);
  });

  it('a job that fails once and then succeeds ends done with the error recorded', async () => {
    const name = uniqueQueue('flaky');
    const queue = harness.makeQueue();
    let calls = 0;
    queue.work(name, async () => {
      calls += 1;
      if (calls === 1) throw new Error('transient');
    });
    queue.start();
    const id = await queue.enqueue(name, {});
    const done = await waitFor(() => jobWithStatus(queue, id, 'done'));
    expect(done.attempts).toBe(2);
    expect(done.lastError).toContain('transient');
  });

  it('a permanent error kills the job at once', async () => {
    const name = uniqueQueue('permanent');
    const queue = harness.makeQueue();
    let calls = 0;
    queue.work(name, async () => {
      calls += 1;
      throw new PermanentJobError('unsupported codec');
    });
    queue.start();
    const id = await queue.enqueue(name, {}, { maxAttempts: 5 });
    const dead = await waitFor(() => jobWithStatus(queue, id, 'dead'));
    expect(dead.attempts).toBe(1);
    expect(dead.lastError).toContain('unsupported codec');
    await sleep(200);
    expect(calls).toBe(1);
  });

  it('a dedupe key returns the first job and runs it once', async () => {
    const name = uniqueQueue('dedupe');
    const queue = harness.makeQueue();
    let calls = 0;
    queue.work(name, async () => {
      calls += 1;
    });
    const key = `transcode:${name}`;
    const first = await queue.enqueue(name, { v: 1 }, { dedupeKey: key });
    const second = await queue.enqueue(name, { v: 2 }, { dedupeKey: key });
    const other = await queue.enqueue(name, { v: 3 }, { dedupeKey: `${key}:other` });
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    queue.start();
    await waitFor(() => jobWithStatus(queue, first, 'done'));
    await waitFor(() => jobWithStatus(queue, other, 'done'));
    expect(calls).toBe(2);
    expect((await queue.get(first))?.payload).toEqual({ v: 1 });
  });

  it('enqueues inside a transaction: a rollback leaves no job, a commit leaves one', async () => {
    const name = uniqueQueue('tx');
    const queue = harness.makeQueue();
    await expect(
      harness.database.db.transaction(async (tx) => {
        await queue.enqueue(name, { keep: false }, { tx });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const afterRollback = await harness.database.db.select({ n: count() }).from(jobs).where(eq(jobs.queue, name));
    expect(Number(afterRollback[0]?.n)).toBe(0);

    const id = await harness.database.db.transaction(async (tx) => queue.enqueue(name, { keep: true }, { tx }));
    expect((await queue.get(id))?.payload).toEqual({ keep: true });
  });

  it('shows reported progress through get() while the job runs', async () => {
    const name = uniqueQueue('progress');
    const queue = harness.makeQueue();
    const release = gate();
    queue.work(name, async (_payload, ctx) => {
      await ctx.reportProgress(42.4);
      await release.promise;
    });
    queue.start();
    const id = await queue.enqueue(name, {});
    const running = await waitFor(async () => {
      const job = await queue.get(id);
      return job?.status === 'running' && job.progress === 42 ? job : null;
    });
    expect(running.attempts).toBe(1);
    release.open();
    const done = await waitFor(() => jobWithStatus(queue, id, 'done'));
    expect(done.progress).toBe(100);
  });

  it('honours per-queue concurrency', async () => {
    const name = uniqueQueue('limit');
    const queue = harness.makeQueue();
    let active = 0;
    let peak = 0;
    queue.work(
      name,
      async () => {
        active += 1;
        peak = Math.max(peak, active);
        await sleep(40);
        active -= 1;
      },
      { concurrency: 2 },
    );
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => queue.enqueue(name, { i })));
    queue.start();
    for (const id of ids) await waitFor(() => jobWithStatus(queue, id, 'done'));
    expect(peak).toBe(2);
  });
});
