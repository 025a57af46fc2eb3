import { afterEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../src/contract/job.js';
import { requeueTrainingJob } from '../../../src/queue/requeue-training-job.js';
import { createJobControl, type JobControl } from '../../../src/store/job-control.js';
import { circleData, createWorkerHarness, referenceWeightsHash, sha256, type SubmitOptions, type WorkerHarness } from './harness.js';

const PAUSED = 'paused' as string as JobStatus;

/** 2-32-32-1 on 2,000 rows in batches of 8: 250 batches an epoch (so a pause lands inside an epoch), 24 epochs. */
function pausableJob(seed: number): SubmitOptions {
  return {
    data: circleData(2000),
    model: { inputSize: 2, layers: [{ units: 32, activation: 'tanh' }, { units: 32, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
    training: { epochs: 24, batchSize: 8, seed, precision: 'float64' },
  };
}

describe('training worker: pause and resume', () => {
  let h: WorkerHarness | undefined;
  let control: JobControl;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function start(): Promise<WorkerHarness> {
    const harness = await createWorkerHarness({ CHECKPOINT_INTERVAL_MS: '60000' });
    control = createJobControl({ redis: harness.redis, config: harness.config });
    return harness;
  }

  async function waitForEpoch(harness: WorkerHarness, jobId: string, epoch: number): Promise<void> {
    while (((await harness.jobs.getJob(jobId))?.epoch ?? 0) < epoch) await new Promise((r) => setTimeout(r, 10));
  }

  /** Pauses a running job and waits until it is paused; returns where its checkpoint stopped. */
  async function pauseRunning(harness: WorkerHarness, jobId: string): Promise<{ epoch: number; batch: number }> {
    const { outcome } = await control.requestPause(jobId);
    expect(outcome).toBe('requested');
    const record = await harness.waitForStatus(jobId, [PAUSED, 'completed', 'failed']);
    expect(record.status).toBe('paused');
    const meta = (await harness.checkpoints.latestMeta(jobId))!;
    return { epoch: meta.epoch, batch: meta.batch };
  }

  async function resume(harness: WorkerHarness, jobId: string, tenant = 'default'): Promise<void> {
    expect((await control.resume(jobId)).outcome).toBe('resumed');
    await requeueTrainingJob(harness.queue.queue, { jobId, tenant });
  }

  it('pauses a running job at a batch three times, and after each resume ends bit-identical to an uninterrupted run', async () => {
    h = await start();
    const spec = pausableJob(31);
    const reference = referenceWeightsHash(await specOf(h, spec), 2000);
    await h.startWorker();
    const jobId = await h.submit(spec);
    await h.waitForStatus(jobId, ['running']);

    const stops: { epoch: number; batch: number }[] = [];
    let pausedRecord;
    let bullState;
    for (const epoch of [1, 6, 11]) {
      await waitForEpoch(h, jobId, Math.max(epoch, (stops.at(-1)?.epoch ?? 0) + 1));
      stops.push(await pauseRunning(h, jobId));
      pausedRecord ??= (await h.jobs.getJob(jobId))!;
      bullState ??= await (await h.queue.queue.getJob(jobId))!.getState();
      await resume(h, jobId);
    }
    const record = await h.waitForStatus(jobId, ['completed', 'failed'], 60_000);
    const curve = (await h.metrics.readCurve(jobId, 0, Number.POSITIVE_INFINITY)).points;

    expect(pausedRecord!.status).toBe('paused');
    expect(bullState).toBe('completed');
    expect(stops.some((stop) => stop.batch > 0)).toBe(true);
    expect(stops.map((stop) => stop.epoch * 1000 + stop.batch)).toEqual([...stops.map((stop) => stop.epoch * 1000 + stop.batch)].sort((a, b) => a - b));
    expect(record.status).toBe('completed');
    expect(record.attempts).toBe(4);
    expect(sha256((await h.jobs.getResult(jobId))!.weights)).toBe(reference);
    expect(curve.map((p) => p.epoch)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it('pauses a queued job at once, takes it off the queue, and trains it identically after a resume', async () => {
    h = await createWorkerHarness();
    control = createJobControl({ redis: h.redis, config: h.config });
    const spec: SubmitOptions = { data: circleData(64), training: { epochs: 30, batchSize: 16, seed: 8 } };
    const reference = referenceWeightsHash(await specOf(h, spec), 64);
    const jobId = await h.submit(spec);

    const { outcome } = await control.requestPause(jobId);
    // As POST /v1/jobs/{id}/pause does for a job that was queued.
    await h.queue.removeTrainingJob(jobId);
    const queued = await h.queue.queue.getJob(jobId);
    const active = await h.redis.sismember(h.jobs.keys.tenantActive('default'), jobId);
    await h.startWorker();
    await new Promise((r) => setTimeout(r, 300));
    const stillPaused = (await h.jobs.getJob(jobId))!.status;
    await resume(h, jobId);
    const record = await h.waitForStatus(jobId, ['completed', 'failed']);

    expect(outcome).toBe('paused');
    expect(queued).toBeUndefined();
    expect(active).toBe(0);
    expect(stillPaused).toBe('paused');
    expect(record.status).toBe('completed');
    expect(sha256((await h.jobs.getResult(jobId))!.weights)).toBe(reference);
  });

  it('refuses to pause a finished job or resume one that is not paused, and expires a paused job like a finished one', async () => {
    h = await createWorkerHarness({ JOB_TTL_SECONDS: '3600' });
    control = createJobControl({ redis: h.redis, config: h.config });
    const jobId = await h.submit();

    const resumeQueued = await control.resume(jobId);
    await control.requestPause(jobId);
    const ttl = await h.redis.ttl(h.jobs.keys.jobRecord(jobId));
    await control.resume(jobId);
    const ttlAfterResume = await h.redis.ttl(h.jobs.keys.jobRecord(jobId));
    await h.startWorker();
    await h.waitForStatus(jobId, ['completed']);

    expect(resumeQueued.outcome).toBe('conflict');
    expect(ttl).toBeGreaterThan(3500);
    expect(ttlAfterResume).toBe(-1);
    expect((await control.requestPause(jobId)).outcome).toBe('conflict');
    expect((await control.resume(jobId)).outcome).toBe('conflict');
    expect((await control.requestPause('no-such-job')).outcome).toBe('missing');
  });
});

/** The stored spec of a harness submission (what the worker trains); call it before a worker starts. */
async function specOf(harness: WorkerHarness, options: SubmitOptions) {
  const probe = await harness.submit(options);
  const spec = (await harness.jobs.getSpec(probe))!;
  await harness.jobs.deleteJob(probe);
  await harness.queue.removeTrainingJob(probe);
  return spec;
}
