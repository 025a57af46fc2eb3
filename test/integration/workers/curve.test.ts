import { afterEach, describe, expect, it } from 'vitest';
import { createKeys } from '../../../src/store/keys.js';
import { circleData, createWorkerHarness, sha256, type SubmitOptions, type WorkerHarness } from './harness.js';

describe('training worker: the loss curve', () => {
  let h: WorkerHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function epochsOf(harness: WorkerHarness, jobId: string): Promise<number[]> {
    return (await harness.metrics.readCurve(jobId, 0, Number.POSITIVE_INFINITY)).points.map((p) => p.epoch);
  }

  it('keeps one point for each of 1,000 epochs', async () => {
    h = await createWorkerHarness();
    await h.startWorker();

    const jobId = await h.submit({ training: { epochs: 1000 } });
    const record = await h.waitForStatus(jobId, ['completed', 'failed'], 60_000);

    expect(record.status).toBe('completed');
    expect(await epochsOf(h, jobId)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('keeps exactly one point per epoch when a resumed run re-trains epochs it had already reported', async () => {
    h = await createWorkerHarness({ SHUTDOWN_GRACE_MS: '4000' });
    const spec: SubmitOptions = { data: circleData(64), training: { epochs: 60, batchSize: 16, seed: 77 } };
    const first = await h.startWorker();
    const reference = await h.submit(spec);
    await h.waitForStatus(reference, ['completed']);
    const referenceCurve = (await h.metrics.readCurve(reference, 0, Number.POSITIVE_INFINITY)).points;
    const referenceHash = sha256((await h.jobs.getResult(reference))!.weights);
    const jobId = await h.submit({ ...spec, testHooks: { epochDelayMs: 20 } });
    while (((await h.jobs.getJob(jobId))?.epoch ?? 0) < 10) await new Promise((r) => setTimeout(r, 20));

    await first.close();
    // Damage the newest checkpoint: the next run resumes from the one before it and re-trains
    // an epoch whose point is already stored.
    const key = createKeys(h.config.KEY_PREFIX).jobCheckpoint(jobId);
    // Compared by optimizer step: a hand-back inside an epoch has the same epoch count as the
    // checkpoint at the end of the epoch before it.
    const stoppedAt = (await h.checkpoints.latestMeta(jobId))!.step;
    await h.redis.hset(key, (await h.redis.hget(key, 'cur'))!, 'damaged');
    const resumedFrom = (await h.checkpoints.loadLatest(jobId))!.meta.step;
    await h.startWorker();
    const record = await h.waitForStatus(jobId, ['completed', 'failed'], 30_000);
    const curve = (await h.metrics.readCurve(jobId, 0, Number.POSITIVE_INFINITY)).points;

    expect(resumedFrom).toBeLessThan(stoppedAt);
    expect(record.status).toBe('completed');
    expect(record.attempts).toBe(2);
    expect(curve.map((p) => p.epoch)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(curve.map((p) => ('loss' in p ? p.loss : null))).toEqual(referenceCurve.map((p) => ('loss' in p ? p.loss : null)));
    expect(sha256((await h.jobs.getResult(jobId))!.weights)).toBe(referenceHash);
  });

  it('pages a finished curve with since and next, oldest first, without gaps or repeats', async () => {
    h = await createWorkerHarness();
    await h.startWorker();
    const jobId = await h.submit({ training: { epochs: 250 } });
    await h.waitForStatus(jobId, ['completed']);

    const seen: number[] = [];
    let since = 0;
    for (let pages = 0; pages < 10; pages++) {
      const page = await h.metrics.readCurve(jobId, since, 64);
      if (page.points.length === 0) break;
      seen.push(...page.points.map((p) => p.epoch));
      since = page.next;
    }

    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(since).toBe(250);
  });
});
