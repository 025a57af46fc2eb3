import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';

let t: TestApp | undefined;
let worker: WorkerHandle | undefined;
afterEach(async () => {
  await worker?.close();
  await t?.close();
  worker = undefined;
  t = undefined;
});

/** 64 deterministic rows of 8 inputs and a one-hot of 2. */
function datasetBody(): Record<string, unknown> {
  const inputs = Array.from({ length: 64 }, (_, r) => Array.from({ length: 8 }, (_, i) => Math.cos(r * 0.7 + i)));
  return { inputs, targets: inputs.map((_, r) => (r % 2 === 0 ? [1, 0] : [0, 1])) };
}

function jobBody(datasetId: string, epochs = 20): Record<string, unknown> {
  return {
    name: 'cached',
    model: { inputSize: 8, layers: [{ units: 16, activation: 'relu' }, { units: 2, activation: 'softmax' }] },
    loss: 'cross_entropy',
    training: { epochs, batchSize: 16, seed: 3 },
    data: { datasetId },
  };
}

async function submit(app: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await app.app.inject({ method: 'POST', url: '/v1/jobs', payload: body });
  expect(res.statusCode).toBe(202);
  return res.json().id as string;
}

async function statusOf(app: TestApp, id: string): Promise<{ status: string; error?: { code: string } }> {
  return (await app.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
}

describe('the worker’s dataset cache', () => {
  it('trains the next job on the same upload from the cache, with the same weights', async () => {
    t = await buildTestApp({ WORKER_CONCURRENCY: '1' });
    worker = await startWorker({ config: t.config, log: pino({ level: 'silent' }) });
    const datasetId = (await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: datasetBody() })).json().id as string;

    const weights: unknown[] = [];
    for (let run = 0; run < 2; run++) {
      const id = await submit(t, jobBody(datasetId));
      await expect.poll(async () => (await statusOf(t!, id)).status, { timeout: 30_000, interval: 50 }).toBe('completed');
      weights.push((await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result` })).json().weights);
      expect(worker.datasetCache.size).toBe(64 * 10 * 8);
    }

    expect(weights[1]).toEqual(weights[0]);
  });

  it('fails a job whose cached dataset was deleted while it waited', async () => {
    t = await buildTestApp({ WORKER_CONCURRENCY: '1', MAX_EPOCHS: '1000000' });
    worker = await startWorker({ config: t.config, log: pino({ level: 'silent' }) });
    const datasetId = (await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: datasetBody() })).json().id as string;
    const first = await submit(t, jobBody(datasetId, 1_000_000));
    await expect.poll(async () => (await statusOf(t!, first)).status, { timeout: 30_000, interval: 20 }).toBe('running');
    const second = await submit(t, jobBody(datasetId));

    expect(worker.datasetCache.size).toBe(64 * 10 * 8);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${datasetId}` })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'POST', url: `/v1/jobs/${first}/cancel` })).statusCode).toBeLessThan(300);

    await expect.poll(async () => (await statusOf(t!, second)).status, { timeout: 30_000, interval: 50 }).toBe('failed');
    expect((await statusOf(t, second)).error?.code).toBe('invalid_data');
  });
});
