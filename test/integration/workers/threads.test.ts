import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { createWorkerHarness, harnessEnv, mediumJob, referenceWeightsHash, sha256, type WorkerHarness } from './harness.js';

let t: TestApp | undefined;
let worker: WorkerHandle | undefined;
afterEach(async () => {
  await worker?.close();
  await t?.close();
  worker = undefined;
  t = undefined;
});

/** 256 deterministic rows of 16 inputs and a one-hot of 4, as a job body (Adam, float32). */
function jobBody(): Record<string, unknown> {
  const inputs = Array.from({ length: 256 }, (_, r) => Array.from({ length: 16 }, (_, i) => Math.sin(r * 1.3 + i)));
  const targets = inputs.map((_, r) => Array.from({ length: 4 }, (_, k) => (k === r % 4 ? 1 : 0)));
  return {
    name: 'threads',
    model: { inputSize: 16, layers: [{ units: 64, activation: 'relu' }, { units: 4, activation: 'softmax' }] },
    loss: 'cross_entropy',
    training: { epochs: 20, batchSize: 64, seed: 5 },
    data: { inputs, targets },
  };
}

async function trainWith(maxThreadsPerJob: string): Promise<unknown> {
  t = await buildTestApp({ WORKER_CONCURRENCY: '1', MAX_THREADS_PER_JOB: maxThreadsPerJob });
  worker = await startWorker({ config: t.config, log: pino({ level: 'silent' }) });
  const { id } = (await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: jobBody() })).json();
  await expect.poll(async () => (await t!.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json().status, { timeout: 60_000, interval: 100 }).toBe('completed');
  const result = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result` })).json();
  await worker.close();
  await t.close();
  worker = undefined;
  t = undefined;
  return result.weights;
}

describe('MAX_THREADS_PER_JOB', () => {
  it('trains a lone job on the free cores with the same weights as on one thread', async () => {
    const oneThread = await trainWith('1');
    const allCores = await trainWith('4');

    expect(allCores).toEqual(oneThread);
  });
});

describe('the worker’s thread budget', () => {
  let h: WorkerHarness | undefined;
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await h?.close();
    h = undefined;
  });

  /** Starts a 2-slot worker whose jobs share 2 cores, at most `maxThreadsPerJob` threads each. */
  async function startTwoCoreWorker(maxThreadsPerJob: string): Promise<WorkerHandle> {
    const config = loadConfig(harnessEnv(h!.config.KEY_PREFIX, { WORKER_CONCURRENCY: '2', MAX_THREADS_PER_JOB: maxThreadsPerJob }));
    worker = await startWorker({ config, log: pino({ level: 'silent' }), cores: 2 });
    return worker;
  }

  /** Polls the worker's budget until `count` jobs hold threads, and returns their grants. */
  async function grantsOf(handle: WorkerHandle, count: number): Promise<number[]> {
    let grants: number[] = [];
    await expect.poll(() => (grants = [...handle.threads.snapshot().values()].filter((t) => t > 0)).length, { timeout: 20_000, interval: 5 }).toBe(count);
    return grants;
  }

  it('gives a lone job both cores when MAX_THREADS_PER_JOB allows', async () => {
    h = await createWorkerHarness();
    const handle = await startTwoCoreWorker('2');

    const jobId = await h.submit({ ...mediumJob(200), training: { ...mediumJob(200).training, precision: 'float32' }, testHooks: { epochDelayMs: 20 } });
    const grants = await grantsOf(handle, 1);
    await h.queue.cancelTrainingJob(jobId);
    await h.waitForStatus(jobId, ['cancelled']);

    expect(grants).toEqual([2]);
    expect(handle.threads.held).toBe(0);
  });

  it('splits the cores between two jobs started together, one thread each', async () => {
    h = await createWorkerHarness();
    const job = { ...mediumJob(200), training: { ...mediumJob(200).training, precision: 'float32' as const }, testHooks: { epochDelayMs: 20 } };
    const first = await h.submit({ ...job, tenant: 'acme' });
    const second = await h.submit({ ...job, tenant: 'globex' });
    const handle = await startTwoCoreWorker('0');

    const grants = await grantsOf(handle, 2);
    for (const jobId of [first, second]) await h.queue.cancelTrainingJob(jobId);
    for (const jobId of [first, second]) await h.waitForStatus(jobId, ['cancelled']);

    expect(grants).toEqual([1, 1]);
    expect(handle.threads.held).toBe(0);
  });

  it('takes a core back from a job alone when another starts, at its next epoch, with the same weights', async () => {
    h = await createWorkerHarness();
    const job = { ...mediumJob(60), training: { ...mediumJob(60).training, precision: 'float32' as const }, testHooks: { epochDelayMs: 15 } };
    const handle = await startTwoCoreWorker('0');
    const first = await h.submit({ ...job, tenant: 'acme' });
    const alone = await grantsOf(handle, 1);

    const second = await h.submit({ ...job, tenant: 'globex' });
    const shared = await grantsOf(handle, 2);
    for (const jobId of [first, second]) await h.waitForStatus(jobId, ['completed'], 60_000);

    expect(alone).toEqual([2]);
    expect(shared).toEqual([1, 1]);
    const spec = (await h.jobs.getSpec(first))!;
    const reference = referenceWeightsHash(spec, 2000);
    for (const jobId of [first, second]) expect(sha256((await h.jobs.getResult(jobId))!.weights)).toBe(reference);
  });
});
