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
