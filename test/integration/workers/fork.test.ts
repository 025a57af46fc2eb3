import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { loadConfig } from '../../../src/config.js';
import { createJobStore, type JobStore } from '../../../src/store/job-store.js';
import { createTenantUsage } from '../../../src/store/tenant-usage.js';
import { createCheckpointStore } from '../../../src/store/checkpoint-store.js';
import { createMetricsStore } from '../../../src/store/metrics-store.js';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { circleData, referenceWeightsHash, sha256 } from './harness.js';

const ROWS = 2000;
const EPOCHS = 20;

/** 2-32-32-1 on 2,000 inline rows in batches of 8 (250 batches an epoch), 20 epochs (or `epochs`). */
function submission(seed: number, epochs = EPOCHS) {
  const data = circleData(ROWS);
  return {
    name: 'fork source',
    model: { inputSize: 2, layers: [{ units: 32, activation: 'tanh' }, { units: 32, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
    loss: 'binary_cross_entropy',
    training: { epochs, batchSize: 8, seed, precision: 'float64' },
    data,
  };
}

describe('POST /v1/jobs/{id}/fork', () => {
  let api: TestApp | undefined;
  let worker: WorkerHandle | undefined;
  let jobs: JobStore;

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await api?.close();
    api = undefined;
  });

  async function start(options: { checkpointIntervalMs?: number; worker?: boolean } = {}): Promise<TestApp> {
    api = await buildTestApp();
    jobs = createJobStore({ redis: api.redis, config: api.config, usage: createTenantUsage({ redis: api.redis, config: api.config }) });
    if (options.worker !== false) await startTheWorker(api, options.checkpointIntervalMs);
    return api;
  }

  async function startTheWorker(app: TestApp, checkpointIntervalMs = 60_000): Promise<void> {
    const config = loadConfig({
      REDIS_URL: app.config.REDIS_URL, KEY_PREFIX: app.config.KEY_PREFIX, QUEUE_NAME: app.config.QUEUE_NAME,
      LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '2', METRICS_FLUSH_INTERVAL_MS: '50', CHECKPOINT_INTERVAL_MS: String(checkpointIntervalMs),
    });
    worker = await startWorker({ config, log: createLogger(config) });
  }

  async function post(app: TestApp, url: string, payload?: object) {
    return app.app.inject({ method: 'POST', url, ...(payload ? { payload } : {}) });
  }

  async function waitFor(id: string, statuses: string[], timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await jobs.getJob(id))?.status as string;
      if (statuses.includes(status)) return status;
      if (Date.now() > deadline) throw new Error(`job ${id} stayed ${status}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function waitForEpoch(id: string, epoch: number): Promise<void> {
    while (((await jobs.getJob(id))?.epoch ?? 0) < epoch) await new Promise((r) => setTimeout(r, 10));
  }

  async function pausedSource(app: TestApp, seed: number): Promise<{ id: string; reference: string }> {
    const response = await post(app, '/v1/jobs', submission(seed));
    expect(response.statusCode).toBe(202);
    const id = response.json().id as string;
    const reference = referenceWeightsHash((await jobs.getSpec(id))!, ROWS);
    await waitForEpoch(id, 3);
    expect((await post(app, `/v1/jobs/${id}/pause`)).statusCode).toBe(202);
    expect(await waitFor(id, ['paused', 'completed'])).toBe('paused');
    return { id, reference };
  }

  async function resultHash(id: string): Promise<string> {
    return sha256((await jobs.getResult(id))!.weights);
  }

  it('starts a new job from a paused job\'s checkpoint that ends where the source would, leaving the source untouched', async () => {
    const app = await start();
    const checkpoints = createCheckpointStore({ redis: app.redis, config: app.config });
    const metrics = createMetricsStore({ redis: app.redis, config: app.config });
    const source = await pausedSource(app, 41);
    const before = (await checkpoints.loadLatest(source.id))!;

    const response = await post(app, `/v1/jobs/${source.id}/fork`, {});
    const forkId = response.json().id as string;
    const status = await waitFor(forkId, ['completed', 'failed']);
    const after = (await checkpoints.loadLatest(source.id))!;
    const sourceRecord = (await jobs.getJob(source.id))!;
    const forkedFrom = JSON.parse((await app.redis.hget(jobs.keys.jobRecord(forkId), 'forkedFrom'))!);
    const curve = (await metrics.readCurve(forkId, 0, Number.POSITIVE_INFINITY)).points.map((p) => p.epoch);
    const view = (await app.app.inject({ method: 'GET', url: `/v1/jobs/${forkId}` })).json();

    expect(response.statusCode).toBe(202);
    expect(response.headers.location).toBe(`/v1/jobs/${forkId}`);
    expect(status).toBe('completed');
    expect(await resultHash(forkId)).toBe(source.reference);
    expect(forkedFrom).toEqual({ jobId: source.id, epoch: before.meta.epoch });
    expect(curve).toEqual(Array.from({ length: EPOCHS - before.meta.epoch }, (_, i) => before.meta.epoch + i + 1));
    expect(view.name).toBe('fork source (fork)');
    expect(sha256(after.bytes)).toBe(sha256(before.bytes));
    expect(sourceRecord.status).toBe('paused');
    expect(await jobs.getResult(source.id)).toBeNull();

    expect((await post(app, `/v1/jobs/${source.id}/resume`)).statusCode).toBe(202);
    expect(await waitFor(source.id, ['completed', 'failed'])).toBe('completed');
    expect(await resultHash(source.id)).toBe(source.reference);
  });

  it('applies the overrides: more epochs, another learning rate, a name', async () => {
    const app = await start();
    const source = await pausedSource(app, 42);
    const forkEpoch = (await createCheckpointStore({ redis: app.redis, config: app.config }).latestMeta(source.id))!.epoch;

    const response = await post(app, `/v1/jobs/${source.id}/fork`, { epochs: 2, optimizer: { learningRate: 0.05 }, name: 'lr 0.05 — variante' });
    const forkId = response.json().id as string;
    await waitFor(forkId, ['completed', 'failed']);
    const spec = (await jobs.getSpec(forkId))!;

    expect(response.statusCode).toBe(202);
    expect((await jobs.getResult(forkId))!.metrics.epochsRun).toBe(forkEpoch + 2);
    expect(spec.optimizer.learningRate).toBe(0.05);
    expect(spec.name).toBe('lr 0.05 — variante');
    expect(await resultHash(forkId)).not.toBe(source.reference);
  });

  it('forks a completed job from its final state: E1 epochs then E2 − E1 more end with the weights of one uninterrupted E2-epoch run, and the source is untouched', async () => {
    const app = await start();
    const metrics = createMetricsStore({ redis: app.redis, config: app.config });
    const E1 = 4;
    const E2 = 9;
    const sourceId = (await post(app, '/v1/jobs', submission(45, E1))).json().id as string;
    expect(await waitFor(sourceId, ['completed', 'failed'])).toBe('completed');
    const spec = (await jobs.getSpec(sourceId))!;
    const reference = referenceWeightsHash({ ...spec, training: { ...spec.training, epochs: E2 } }, ROWS);
    const get = (url: string) => app.app.inject({ method: 'GET', url });
    const statusBefore = await get(`/v1/jobs/${sourceId}`);
    const resultBefore = (await get(`/v1/jobs/${sourceId}/result`)).body;
    const sourceHash = await resultHash(sourceId);

    const response = await post(app, `/v1/jobs/${sourceId}/fork`, { epochs: E2 - E1 });
    const forkId = response.json().id as string;
    const status = await waitFor(forkId, ['completed', 'failed']);
    const view = (await get(`/v1/jobs/${forkId}`)).json();
    const curve = (await metrics.readCurve(forkId, 0, Number.POSITIVE_INFINITY)).points.map((p) => p.epoch);
    const statusAfter = await get(`/v1/jobs/${sourceId}`);

    expect(response.statusCode).toBe(202);
    expect(status).toBe('completed');
    expect(await resultHash(forkId)).toBe(reference);
    expect(reference).not.toBe(sourceHash);
    expect(view.forkedFrom).toEqual({ jobId: sourceId, epoch: E1 });
    expect(view.progress).toMatchObject({ epoch: E2, epochs: E2 });
    expect(curve).toEqual(Array.from({ length: E2 - E1 }, (_, i) => E1 + i + 1));
    expect(statusAfter.statusCode).toBe(200);
    expect(statusAfter.body).toBe(statusBefore.body);
    expect(statusAfter.headers.etag).toBe(statusBefore.headers.etag);
    expect((await get(`/v1/jobs/${sourceId}/result`)).body).toBe(resultBefore);
    expect(await resultHash(sourceId)).toBe(sourceHash);
  });

  it('forks a completed job as many epochs again by default, refuses epochs 0 (400), and leaves no key of it after DELETE', async () => {
    const app = await start();
    const sourceId = (await post(app, '/v1/jobs', submission(46, 2))).json().id as string;
    expect(await waitFor(sourceId, ['completed', 'failed'])).toBe('completed');

    const zero = await post(app, `/v1/jobs/${sourceId}/fork`, { epochs: 0 });
    const fork = await post(app, `/v1/jobs/${sourceId}/fork`, {});
    const forkId = fork.json().id as string;
    const forkStatus = await waitFor(forkId, ['completed', 'failed']);
    const deleted = await app.app.inject({ method: 'DELETE', url: `/v1/jobs/${sourceId}` });

    expect(zero.statusCode).toBe(400);
    expect(zero.json()).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path: '/epochs' })] });
    expect(fork.statusCode).toBe(202);
    expect(forkStatus).toBe('completed');
    expect((await jobs.getResult(forkId))!.metrics.epochsRun).toBe(4);
    expect(deleted.statusCode).toBe(204);
    expect(await app.redis.keys(`${app.config.KEY_PREFIX}:job:{${sourceId}}:*`)).toEqual([]);
    expect(await app.redis.exists(jobs.keys.jobCheckpoint(forkId))).toBe(1);
  });

  it('forks a cancelled job from the checkpoint it keeps, and refuses a job without one (409)', async () => {
    const app = await start({ worker: false });
    const queued = (await post(app, '/v1/jobs', submission(44))).json().id as string;
    const pauseQueued = await post(app, `/v1/jobs/${queued}/pause`);
    await startTheWorker(app, 0);
    const id = (await post(app, '/v1/jobs', submission(43))).json().id as string;
    await waitForEpoch(id, 2);
    await post(app, `/v1/jobs/${id}/cancel`);
    await waitFor(id, ['cancelled']);

    const fork = await post(app, `/v1/jobs/${id}/fork`, { epochs: 1 });
    const noCheckpoint = await post(app, `/v1/jobs/${queued}/fork`, {});
    const unknown = await post(app, '/v1/jobs/00000000-0000-4000-8000-000000000000/fork', {});
    const bad = await post(app, `/v1/jobs/${id}/fork`, { optimizer: { type: 'sgd' } });

    expect(pauseQueued.statusCode).toBe(200);
    expect(fork.statusCode).toBe(202);
    expect(await waitFor(fork.json().id, ['completed', 'failed'])).toBe('completed');
    expect(noCheckpoint.statusCode).toBe(409);
    expect(noCheckpoint.json()).toMatchObject({ code: 'conflict' });
    expect(unknown.statusCode).toBe(404);
    expect(bad.statusCode).toBe(400);
  });
});
