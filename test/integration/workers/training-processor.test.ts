import { afterEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../src/contract/job.js';
import { decodeWeights } from '../../../src/contract/weights.js';
import { circleData, createWorkerHarness, sha256, type SubmitOptions, type WorkerHarness } from './harness.js';

describe('training worker', () => {
  let h: WorkerHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function resultHash(harness: WorkerHarness, jobId: string): Promise<string> {
    const result = await harness.jobs.getResult(jobId);
    expect(result).not.toBeNull();
    return sha256(result!.weights);
  }

  it('trains a submitted job to completed through a real thread', async () => {
    h = await createWorkerHarness();
    await h.startWorker();

    const jobId = await h.submit();
    const record = await h.waitForStatus(jobId, ['completed', 'failed']);

    expect(record.status).toBe('completed');
    expect(record.epoch).toBe(500);
    expect(record.attempts).toBe(1);
    expect(record.lastHeartbeatAt).not.toBeNull();
    expect(record.epochsPerSecond).toBeGreaterThan(0);
    const result = await h.jobs.getResult(jobId);
    const weights = decodeWeights(result!.weights, 2, [{ units: 8 }, { units: 1 }]);
    expect(weights[0].W).toHaveLength(8);
    expect(result!.metrics.epochsRun).toBe(500);
    expect(result!.metrics.finalLoss).toBeLessThan(0.05);
    const curve = await h.metrics.readCurve(jobId, 0);
    expect(curve.points[0].epoch).toBe(1);
    expect(curve.next).toBe(500);
  });

  it('keeps the final snapshot of a completed job in place of its checkpoints, expiring with its result', async () => {
    h = await createWorkerHarness();
    await h.startWorker();

    const jobId = await h.submit({ training: { epochs: 40 } });
    await h.waitForStatus(jobId, ['completed', 'failed']);
    const final = await h.checkpoints.loadLatest(jobId);
    const slots = await h.redis.hkeys(h.jobs.keys.jobCheckpoint(jobId));
    const [checkpointExpiry, resultExpiry] = await Promise.all(
      [h.jobs.keys.jobCheckpoint(jobId), h.jobs.keys.jobResult(jobId)].map((key) => h!.redis.call('PEXPIRETIME', key)),
    );

    expect(final!.meta).toMatchObject({ epoch: 40, batch: 0, step: 40 });
    expect(final!.meta.continueFinished).toBeUndefined();
    expect(slots.sort()).toEqual(['a', 'aMeta', 'aStep', 'cur']);
    expect(Number(resultExpiry)).toBeGreaterThan(Date.now());
    expect(checkpointExpiry).toBe(resultExpiry);
  });

  it('cancels a queued job at once and never trains it', async () => {
    h = await createWorkerHarness();
    const jobId = await h.submit();

    const outcome = await h.queue.cancelTrainingJob(jobId);
    await h.startWorker();
    await new Promise((r) => setTimeout(r, 300));

    expect(outcome).toBe('cancelled');
    expect((await h.jobs.getJob(jobId))!.status).toBe('cancelled');
    expect(await h.jobs.getResult(jobId)).toBeNull();
  });

  it('stops a running job at the next batch when it is cancelled', async () => {
    h = await createWorkerHarness();
    const handle = await h.startWorker();
    const jobId = await h.submit({ testHooks: { epochDelayMs: 20 } });
    await h.waitForStatus(jobId, ['running']);
    while ((await h.jobs.getJob(jobId))!.epoch < 3) await new Promise((r) => setTimeout(r, 20));

    const requestedAt = Date.now();
    const outcome = await h.queue.cancelTrainingJob(jobId);
    const record = await h.waitForStatus(jobId, ['cancelled', 'completed', 'failed'], 5_000);

    expect(outcome).toBe('requested');
    expect(record.status).toBe('cancelled');
    expect(Date.now() - requestedAt).toBeLessThan(2_000);
    expect(record.epoch).toBeLessThan(500);
    expect(await h.jobs.getResult(jobId)).toBeNull();
    await expect.poll(() => handle.pool.busy).toBe(0);
  });

  it('terminates a thread that does not stop within CANCEL_GRACE_MS and still ends the job cancelled', async () => {
    h = await createWorkerHarness({ CANCEL_GRACE_MS: '300' });
    const handle = await h.startWorker();
    // Each epoch ends with a 3 s sleep, so the loop cannot see the cancel flag in time.
    const jobId = await h.submit({ testHooks: { epochDelayMs: 3_000 } });
    await h.waitForStatus(jobId, ['running']);
    await new Promise((r) => setTimeout(r, 200));

    const requestedAt = Date.now();
    await h.queue.cancelTrainingJob(jobId);
    const record = await h.waitForStatus(jobId, ['cancelled', 'completed', 'failed'], 5_000);

    expect(record.status).toBe('cancelled');
    expect(Date.now() - requestedAt).toBeLessThan(2_000);
    await expect.poll(() => handle.pool.size, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => handle.pool.busy).toBe(0);
  });

  it('fails a diverging job as diverged with its epoch, without a retry', async () => {
    h = await createWorkerHarness();
    await h.startWorker();

    const jobId = await h.submit({ testHooks: { nanAtEpoch: 5 } });
    const record = await h.waitForStatus(jobId, ['failed', 'completed']);

    expect(record.status).toBe('failed');
    expect(record.error).toMatchObject({ code: 'diverged', epoch: 5 });
    // The record is written before BullMQ hears of the failure: wait for BullMQ's side too.
    await expect.poll(async () => (await h!.queue.queue.getJob(jobId))!.getState()).toBe('failed');
    expect((await h.queue.queue.getJob(jobId))!.attemptsMade).toBe(1);
    const curve = await h.metrics.readCurve(jobId, 0);
    expect(curve.points.at(-1)).toMatchObject({ epoch: 5, diverged: true });
  });

  it('fails a job whose loss really explodes (SGD, lr 10) as diverged, keeping no NaN in the curve (N1)', async () => {
    h = await createWorkerHarness();
    await h.startWorker();
    const inputs = Array.from({ length: 16 }, (_, i) => [i * 10]);
    const targets = inputs.map(([x]) => [3 * x]);

    const jobId = await h.submit({
      data: { inputs, targets },
      model: { inputSize: 1, layers: [{ units: 1, activation: 'linear' }] },
      optimizer: { type: 'sgd', learningRate: 10, momentum: 0, weightDecay: 0 },
      training: { epochs: 50, batchSize: 4, precision: 'float64' },
    });
    const record = await h.waitForStatus(jobId, ['failed', 'completed']);
    const curve = await h.metrics.readCurve(jobId, 0);

    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('diverged');
    expect(record.error?.epoch).toBeGreaterThanOrEqual(1);
    expect(curve.points.at(-1)).toMatchObject({ epoch: record.error?.epoch, diverged: true });
    expect(curve.points.every((p) => !('loss' in p) || Number.isFinite(p.loss))).toBe(true);
    await expect.poll(async () => (await h!.queue.queue.getJob(jobId))!.getState()).toBe('failed');
    expect((await h.queue.queue.getJob(jobId))!.attemptsMade).toBe(1);
  });

  it('fails a job over MAX_JOB_SECONDS as timeout and frees its thread', async () => {
    h = await createWorkerHarness({ MAX_JOB_SECONDS: '1', WORKER_CONCURRENCY: '1' });
    const handle = await h.startWorker();

    const slow = await h.submit({ testHooks: { epochDelayMs: 50 } });
    // Short, so that even a loaded machine trains it well within MAX_JOB_SECONDS.
    const next = await h.submit({ training: { epochs: 20 } });
    const started = Date.now();
    const record = await h.waitForStatus(slow, ['failed', 'completed']);
    const elapsed = Date.now() - started;
    const after = await h.waitForStatus(next, ['completed', 'failed']);

    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('timeout');
    expect(elapsed).toBeLessThan(4_000);
    expect(after.status).toBe('completed');
    expect(handle.pool.size).toBe(1);
    expect((await (await h.queue.queue.getJob(slow))!.attemptsMade)).toBe(1);
  });

  it('fails a thread that exhausts its heap as out_of_memory while another job completes (X1)', async () => {
    h = await createWorkerHarness({ THREAD_MAX_OLD_GEN_MB: '24', THREAD_MAX_YOUNG_GEN_MB: '4' });
    const handle = await h.startWorker();

    const hog = await h.submit({ testHooks: { allocateAtEpoch: 2 } });
    const fine = await h.submit({ testHooks: { epochDelayMs: 2 } });
    const hogRecord = await h.waitForStatus(hog, ['failed', 'completed'], 30_000);
    const fineRecord = await h.waitForStatus(fine, ['failed', 'completed'], 30_000);

    expect(hogRecord.status).toBe('failed');
    expect(hogRecord.error?.code).toBe('out_of_memory');
    expect(fineRecord.status).toBe('completed');
    expect((await h.queue.queue.getJob(hog))!.attemptsMade).toBe(1);
    await expect.poll(() => handle.pool.size, { timeout: 10_000 }).toBe(2);
  });

  it('fails a job whose thread crashes and refills the pool (C5)', async () => {
    h = await createWorkerHarness();
    const handle = await h.startWorker();

    const crashing = await h.submit({ testHooks: { crashAtEpoch: 3 } });
    const record = await h.waitForStatus(crashing, ['failed', 'completed']);
    const next = await h.submit();
    const nextRecord = await h.waitForStatus(next, ['failed', 'completed']);

    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('thread_crashed');
    expect(nextRecord.status).toBe('completed');
    await expect.poll(() => handle.pool.size, { timeout: 10_000 }).toBe(2);
  });

  it('runs at most TENANT_MAX_RUNNING jobs of a tenant at once without starving others (X4)', async () => {
    h = await createWorkerHarness({ WORKER_CONCURRENCY: '3', TENANT_MAX_RUNNING: '1' });
    await h.startWorker();
    const slow: SubmitOptions = { tenant: 'a', training: { epochs: 30 }, testHooks: { epochDelayMs: 10 } };
    const aJobs = [await h.submit(slow), await h.submit(slow), await h.submit(slow), await h.submit(slow)];
    const bJob = await h.submit({ tenant: 'b', training: { epochs: 30 } });

    let maxRunningA = 0;
    let bDoneWhileAPending = false;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const statuses = await Promise.all(aJobs.map(async (id) => (await h!.jobs.getJob(id))!.status));
      maxRunningA = Math.max(maxRunningA, statuses.filter((s) => s === 'running').length);
      const b = (await h.jobs.getJob(bJob))!.status;
      if (b === 'completed' && statuses.some((s) => s !== 'completed')) bDoneWhileAPending = true;
      if (statuses.every((s: JobStatus) => s === 'completed') && b === 'completed') break;
      if (Date.now() > deadline) throw new Error(`not all jobs completed: ${statuses.join(',')} b=${b}`);
      await new Promise((r) => setTimeout(r, 20));
    }

    expect(maxRunningA).toBe(1);
    expect(bDoneWhileAPending).toBe(true);
  });

  it('resumes from a checkpoint with weights and curve bit-identical to an uninterrupted run (N3)', async () => {
    h = await createWorkerHarness();
    await h.startWorker();
    const spec: SubmitOptions = { data: circleData(64), training: { epochs: 40, batchSize: 16, seed: 1234 } };
    const reference = await h.submit(spec);
    await h.waitForStatus(reference, ['completed']);
    const referenceHash = await resultHash(h, reference);
    const referenceLosses = (await h.metrics.readCurve(reference, 0)).points.map((p) => ('loss' in p ? p.loss : NaN));

    for (const k of [1, 17, 39]) {
      const resumed = await h.submit({ ...spec, testHooks: { stopAfterEpoch: k } });
      const record = await h.waitForStatus(resumed, ['completed', 'failed']);
      const losses = (await h.metrics.readCurve(resumed, 0)).points.map((p) => ('loss' in p ? p.loss : NaN));

      expect(record.status).toBe('completed');
      expect(record.attempts).toBe(2);
      expect(await resultHash(h, resumed)).toBe(referenceHash);
      expect(losses).toEqual(referenceLosses);
    }
  });

  it('resumes with the kernel set that wrote the checkpoint, even on a worker configured otherwise', async () => {
    h = await createWorkerHarness({ CHECKPOINT_INTERVAL_MS: '100', ENGINE_KERNELS: 'ts' });
    const spec: SubmitOptions = { data: circleData(64), training: { epochs: 60, batchSize: 16, seed: 5, precision: 'float32' } };
    const tsWorker = await h.startWorker();
    const reference = await h.submit(spec);
    await h.waitForStatus(reference, ['completed']);
    const jobId = await h.submit({ ...spec, testHooks: { epochDelayMs: 20 } });
    while (((await h.jobs.getJob(jobId))?.epoch ?? 0) < 10) await new Promise((r) => setTimeout(r, 20));

    await tsWorker.close();
    await h.startWorker({ ENGINE_KERNELS: 'auto' });
    const record = await h.waitForStatus(jobId, ['completed', 'failed']);

    expect(record.status).toBe('completed');
    expect(record.kernel).toBe('ts');
    expect(await resultHash(h, jobId)).toBe(await resultHash(h, reference));
  });

  it('hands a running job back on close and another worker finishes it identically (C4)', async () => {
    h = await createWorkerHarness({ CHECKPOINT_INTERVAL_MS: '200', SHUTDOWN_GRACE_MS: '4000' });
    const spec: SubmitOptions = { data: circleData(64), training: { epochs: 60, batchSize: 16, seed: 99 } };
    const first = await h.startWorker();
    const reference = await h.submit(spec);
    await h.waitForStatus(reference, ['completed']);
    const referenceHash = await resultHash(h, reference);
    const jobId = await h.submit({ ...spec, testHooks: { epochDelayMs: 20 } });
    await h.waitForStatus(jobId, ['running']);
    while ((await h.jobs.getJob(jobId))!.epoch < 10) await new Promise((r) => setTimeout(r, 20));

    const closeStarted = Date.now();
    await first.close();
    const closeMs = Date.now() - closeStarted;
    const checkpoint = await h.checkpoints.latestMeta(jobId);
    const state = await (await h.queue.queue.getJob(jobId))!.getState();
    await h.startWorker();
    const record = await h.waitForStatus(jobId, ['completed', 'failed'], 30_000);

    expect(closeMs).toBeLessThan(4_000);
    expect(checkpoint!.epoch).toBeGreaterThanOrEqual(10);
    expect(state).toBe('waiting');
    expect(record.status).toBe('completed');
    expect(await resultHash(h, jobId)).toBe(referenceHash);
  });
});

describe('training worker with an unusable checkpoint', () => {
  let h: WorkerHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('drops the checkpoint and retrains from the start instead of failing the job', async () => {
    h = await createWorkerHarness();
    const jobId = await h.submit();
    await h.checkpoints.save(jobId, new Uint8Array(64).fill(7), { epoch: 3, batch: 0, step: 3, elapsedMs: 10 });

    await h.startWorker();
    const record = await h.waitForStatus(jobId, ['completed', 'failed']);

    expect(record.status).toBe('completed');
    expect(record.attempts).toBe(2);
    expect((await h.jobs.getResult(jobId))!.metrics.epochsRun).toBe(500);
  });
});
