import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerHarness, type WorkerHarness } from './harness.js';

/** The tenant's training seconds over every day counter (a run may cross midnight UTC). */
async function computeSeconds(h: WorkerHarness, tenant: string): Promise<number> {
  const keys = await h.redis.keys(`${h.config.KEY_PREFIX}:t:{${tenant}}:cpu:*`);
  const values = await Promise.all(keys.map((key) => h.redis.get(key)));
  return values.reduce((sum, value) => sum + Number(value ?? 0), 0);
}

describe('training worker: compute usage', () => {
  let h: WorkerHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('adds a completed run’s training time to its tenant’s day, never more than the time that passed', async () => {
    h = await createWorkerHarness();
    await h.startWorker();
    const startedAt = Date.now();

    const jobId = await h.submit({ tenant: 'acme' });
    const record = await h.waitForStatus(jobId, ['completed', 'failed']);
    const elapsedSeconds = (Date.now() - startedAt) / 1000;

    expect(record.status).toBe('completed');
    const used = await computeSeconds(h, 'acme');
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(elapsedSeconds);
    expect(await computeSeconds(h, 'default')).toBe(0);
  });

  it('counts the time of a run that was cancelled part-way', async () => {
    h = await createWorkerHarness();
    await h.startWorker();
    const jobId = await h.submit({ tenant: 'acme', testHooks: { epochDelayMs: 20 } });
    await h.waitForStatus(jobId, ['running']);
    while ((await h.jobs.getJob(jobId))!.epoch < 3) await new Promise((r) => setTimeout(r, 20));

    await h.queue.cancelTrainingJob(jobId);
    await h.waitForStatus(jobId, ['cancelled']);

    // Three epochs of at least 20 ms each ran before the cancel.
    expect(await computeSeconds(h, 'acme')).toBeGreaterThanOrEqual(0.06);
  });

  it('counts the time of a run that failed', async () => {
    h = await createWorkerHarness();
    await h.startWorker();

    const jobId = await h.submit({ tenant: 'acme', testHooks: { nanAtEpoch: 5, epochDelayMs: 10 } });
    const record = await h.waitForStatus(jobId, ['failed', 'completed']);

    expect(record.error?.code).toBe('diverged');
    expect(await computeSeconds(h, 'acme')).toBeGreaterThanOrEqual(0.04);
  });
});
