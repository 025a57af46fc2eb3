import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { loadConfig } from '../../../src/config.js';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

describe('API and worker together (buildApp + an in-process worker)', () => {
  let api: TestApp | undefined;
  let worker: WorkerHandle | undefined;

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await api?.close();
    api = undefined;
  });

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    api = await buildTestApp(env);
    const config = loadConfig({
      REDIS_URL: api.config.REDIS_URL,
      KEY_PREFIX: api.config.KEY_PREFIX,
      QUEUE_NAME: api.config.QUEUE_NAME,
      LOG_LEVEL: 'silent',
      WORKER_CONCURRENCY: '1',
      METRICS_FLUSH_INTERVAL_MS: '50',
      ...env,
    });
    worker = await startWorker({ config, log: createLogger(config) });
    return api;
  }

  async function waitForStatus(app: TestApp, id: string, statuses: string[], timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = (await app.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json() as Record<string, unknown>;
      if (statuses.includes(body.status as string)) return body;
      if (Date.now() > deadline) throw new Error(`job ${id} stayed ${String(body.status)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('trains a POSTed job and serves its status, curve and result', async () => {
    const app = await start();

    const submitted = await app.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() });
    const { id } = submitted.json() as { id: string };
    const status = await waitForStatus(app, id, ['completed', 'failed']);
    const metrics = (await app.app.inject({ method: 'GET', url: `/v1/jobs/${id}/metrics?since=490` })).json() as { points: { epoch: number }[]; next: number };
    const result = await app.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result` });

    expect(submitted.statusCode).toBe(202);
    expect(status).toMatchObject({ status: 'completed', attempts: 1, error: null });
    expect(metrics.points.map((p) => p.epoch)).toEqual([491, 492, 493, 494, 495, 496, 497, 498, 499, 500]);
    expect(metrics.next).toBe(500);
    expect(result.statusCode).toBe(200);
    expect((result.json() as { metrics: { epochsRun: number } }).metrics.epochsRun).toBe(500);
  });

  it('stops a running job when POST /cancel is called, and has no result (409)', async () => {
    const app = await start();
    const body = xorSubmission({ training: { epochs: 100_000, batchSize: 1, shuffle: true, seed: 1, validationSplit: 0, earlyStopping: null, precision: 'float64' } });
    const { id } = (await app.app.inject({ method: 'POST', url: '/v1/jobs', payload: body })).json() as { id: string };
    await waitForStatus(app, id, ['running']);

    const cancel = await app.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    const status = await waitForStatus(app, id, ['cancelled', 'completed', 'failed'], 5_000);
    const result = await app.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result` });

    expect(cancel.statusCode).toBeLessThan(300);
    expect(status.status).toBe('cancelled');
    expect((status.progress as { epoch: number }).epoch).toBeLessThan(100_000);
    expect(result.statusCode).toBe(409);
    await expect.poll(() => worker!.pool.busy).toBe(0);
  });

  it('reports a diverged job with its epoch, and its curve ends with the diverged marker', async () => {
    const app = await start();
    const inputs = Array.from({ length: 16 }, (_, i) => [i * 10]);
    const body = xorSubmission({
      model: { inputSize: 1, layers: [{ units: 1, activation: 'linear' }], init: 'auto', initialWeights: null },
      optimizer: { type: 'sgd', learningRate: 10, momentum: 0, weightDecay: 0 },
      training: { epochs: 50, batchSize: 4, shuffle: true, seed: 3, validationSplit: 0, earlyStopping: null, precision: 'float64' },
      data: { inputs, targets: inputs.map(([x]) => [3 * x]) },
    });

    const submitted = await app.app.inject({ method: 'POST', url: '/v1/jobs', payload: body });
    const { id } = submitted.json() as { id: string };
    const status = await waitForStatus(app, id, ['completed', 'failed']);
    const metrics = await app.app.inject({ method: 'GET', url: `/v1/jobs/${id}/metrics` });

    expect(submitted.statusCode).toBe(202);
    expect(status).toMatchObject({ status: 'failed', error: { code: 'diverged', epoch: expect.any(Number) } });
    expect(metrics.statusCode).toBe(200);
    const points = (metrics.json() as { points: Record<string, unknown>[] }).points;
    expect(points.at(-1)).toMatchObject({ diverged: true });
  });
});
