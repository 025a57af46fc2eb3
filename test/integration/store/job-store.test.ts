import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createJobStore, type JobStore } from '../../../src/store/job-store.js';
import { createTenantUsage } from '../../../src/store/tenant-usage.js';
import { createDatasetStore, type DatasetStore } from '../../../src/store/dataset-store.js';
import { encodeNumbers, NumberBuffer } from '../../../src/store/number-buffer.js';
import { xorJobSpec } from '../../helpers/specs.js';

const prefix = `tytest-store-${randomUUID().slice(0, 8)}`;
let redis: Redis;
let store: JobStore;
let datasets: DatasetStore;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  const config = { KEY_PREFIX: prefix, JOB_TTL_SECONDS: 3600 };
  store = createJobStore({ redis, config, usage: createTenantUsage({ redis, config }) });
  datasets = createDatasetStore({ redis, config: { KEY_PREFIX: prefix } });
});

afterEach(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length > 0) await redis.del(...found);
});

afterAll(async () => {
  await redis.quit();
});

async function newJob(tenant = 'a'): Promise<string> {
  const id = randomUUID();
  await store.createJob({ id, tenant, spec: xorJobSpec(id), createdAt: new Date().toISOString() });
  return id;
}

const weights = new Uint8Array(new Float64Array([1, 2, 3]).buffer);
const metrics = { finalLoss: 0.1, epochsRun: 5, stoppedEarly: false, durationMs: 12 };

describe('JobStore', () => {
  it('creates a queued job with its spec', async () => {
    const id = await newJob();

    const record = await store.getJob(id);
    const spec = await store.getSpec(id);

    expect(record).toMatchObject({ id, tenant: 'a', status: 'queued', epochs: 500, seed: 42, attempts: 0, error: null });
    expect(spec?.training.seed).toBe(42);
  });

  it('runs, reports progress and completes exactly once', async () => {
    const id = await newJob();

    expect(await store.markRunning(id, { attempt: 1, startedAt: new Date().toISOString() })).toBe(true);
    expect(await store.updateProgress(id, { epoch: 3, loss: 0.25, valLoss: null })).toBe(true);
    const first = await store.completeJob(id, { weights, metrics, kernel: 'ts' });
    const second = await store.completeJob(id, { weights: new Uint8Array(8), metrics, kernel: 'stale' });

    expect(first).toBe(true);
    expect(second).toBe(false);
    const result = await store.getResult(id);
    expect(Buffer.compare(Buffer.from(result!.weights), Buffer.from(weights))).toBe(0);
    expect(result?.kernel).toBe('ts');
    expect(await store.getJob(id)).toMatchObject({ status: 'completed', epoch: 5, kernel: 'ts' });
    expect(await store.updateProgress(id, { epoch: 9, loss: 1 })).toBe(false);
    expect(await redis.ttl(store.keys.jobRecord(id))).toBeGreaterThan(0);
    expect(await store.countActiveJobs('a')).toBe(0);
  });

  it('refuses a completion from an older attempt', async () => {
    const id = await newJob();
    await store.markRunning(id, { attempt: 2, startedAt: new Date().toISOString() });

    const stale = await store.completeJob(id, { weights, metrics, kernel: 'ts', attempt: 1 });

    expect(stale).toBe(false);
    expect((await store.getJob(id))?.status).toBe('running');
  });

  it('cancels a queued job at once and flags a running one', async () => {
    const queued = await newJob();
    const running = await newJob();
    await store.markRunning(running, { attempt: 1, startedAt: new Date().toISOString() });

    expect(await store.requestCancel(queued)).toBe('cancelled');
    expect(await store.requestCancel(running)).toBe('requested');
    expect(await store.requestCancel(queued)).toBe('finished');
    expect(await store.requestCancel(randomUUID())).toBe('missing');
    expect(await store.markRunning(queued, { attempt: 1, startedAt: new Date().toISOString() })).toBe(false);
    expect(await store.isCancelRequested(running)).toBe(true);
    expect(await store.cancelJob(running)).toBe(true);
    expect((await store.getJob(running))?.status).toBe('cancelled');
  });

  it('fails a job with its error', async () => {
    const id = await newJob();

    await store.failJob(id, { code: 'diverged', message: 'loss became NaN', epoch: 7 });

    expect((await store.getJob(id))?.error).toEqual({ code: 'diverged', message: 'loss became NaN', epoch: 7 });
  });

  it('lists a tenant’s jobs newest first with a cursor and a status filter', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await newJob('a'));
    await newJob('b');
    await store.failJob(ids[1], { code: 'x', message: 'y' });

    const page1 = await store.listJobs('a', { limit: 2 });
    const page2 = await store.listJobs('a', { limit: 2, cursor: page1.nextCursor });
    const page3 = await store.listJobs('a', { limit: 2, cursor: page2.nextCursor });
    const failed = await store.listJobs('a', { limit: 10, status: 'failed' });

    expect(page1.items.map((j) => j.id)).toEqual([ids[4], ids[3]]);
    expect(page2.items.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    expect(page3.items.map((j) => j.id)).toEqual([ids[0]]);
    expect(page3.nextCursor).toBeNull();
    expect(failed.items.map((j) => j.id)).toEqual([ids[1]]);
  });

  it('keeps the tenant’s index, active slot and finished counts in step with the record', async () => {
    const done = await newJob();
    const cancelled = await newJob();
    const live = await newJob();

    await store.completeJob(done, { weights, metrics, kernel: 'ts' });
    await store.requestCancel(cancelled);

    expect((await store.listJobs('a', { limit: 10 })).items.map((j) => j.id)).toEqual([live, cancelled, done]);
    expect(await redis.smembers(store.keys.tenantActive('a'))).toEqual([live]);
    expect(await store.countActiveJobs('a')).toBe(1);
    expect(await store.countFinishedJobs()).toEqual({ completed: 1, cancelled: 1 });
  });

  it('stores inline rows and warm-start weights given as numbers', async () => {
    const id = randomUUID();
    const initialWeights = [{ W: Array.from({ length: 8 }, () => [0.5, -0.5]), b: new Array(8).fill(0) }, { W: [new Array(8).fill(1)], b: [0] }];

    await store.createJob({ id, tenant: 'a', spec: xorJobSpec(id), createdAt: new Date().toISOString(), initialWeights, inlineData: { inputs: [[0, 1], [1, 0]], targets: [[1], [0]] } });

    expect(Array.from((await datasets.loadDatasetArrays({ kind: 'inline', jobId: id })).inputs)).toEqual([0, 1, 1, 0]);
    expect((await store.getInitialWeights(id))?.byteLength).toBe(33 * 8);
  });

  it('deletes every key of a job', async () => {
    const id = await newJob();

    expect(await store.deleteJob(id)).toBe(true);

    expect(await store.getJob(id)).toBeNull();
    expect(await redis.keys(`${prefix}:job:{${id}}:*`)).toEqual([]);
  });
});

describe('DatasetStore', () => {
  it('round-trips inline data, uploaded data and builtins', async () => {
    const id = await newJob();
    await datasets.saveInlineData(id, { samples: 2, inputSize: 2, outputSize: 1, inputs: encodeNumbers([0.1, 2, 3, 4]), targets: encodeNumbers([1, 0]) });
    const buffer = new NumberBuffer();
    for (let i = 0; i < 3_000_000; i++) buffer.push(i % 256);
    const targets = new NumberBuffer();
    for (let i = 0; i < 1000; i++) targets.push(i === 999 ? 0.1 : 1);

    const meta = await datasets.saveDataset('a', { samples: 1000, inputSize: 3000, outputSize: 1, inputs: buffer.finish(), targets: targets.finish() });
    const inline = await datasets.loadDatasetArrays({ kind: 'inline', jobId: id });
    const uploaded = await datasets.loadDatasetArrays({ kind: 'dataset', datasetId: meta.id, tenant: 'a' });
    const iris = await datasets.loadDatasetArrays({ kind: 'builtin', name: 'iris' });

    expect(Array.from(inline.inputs)).toEqual([0.1, 2, 3, 4]);
    expect(meta).toMatchObject({ samples: 1000, inputsDtype: 'float32', targetsDtype: 'float64', bytes: 12_000_000 + 8000 });
    expect(uploaded.inputs.length).toBe(3_000_000);
    expect(uploaded.inputs[2_999_999]).toBe(2_999_999 % 256);
    expect(uploaded.targets[999]).toBe(0.1);
    expect(iris).toMatchObject({ samples: 150, inputSize: 4, outputSize: 3 });
    await expect(datasets.getDataset('b', meta.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
