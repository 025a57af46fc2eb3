import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

let t: TestApp;
let worker: WorkerHandle;
beforeAll(async () => {
  t = await buildTestApp({ WORKER_CONCURRENCY: '1', CHECKPOINT_INTERVAL_MS: '0' });
  worker = await startWorker({ config: t.config, log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

async function waitForTerminal(id: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('submit → train → result → predict (through a real worker)', () => {
  it('learns XOR and predicts with the trained weights', async () => {
    const body = xorSubmission();
    (body.training as any).epochs = 2000;
    (body.optimizer as any).learningRate = 0.05;

    const submitted = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body });
    const job = await waitForTerminal(submitted.json().id);
    const curve = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/metrics?since=0` })).json();
    const result = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/result` })).json();
    const predicted = await t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/predict`, payload: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]] } });

    expect(job).toMatchObject({ status: 'completed', attempts: 1, error: null, progress: { epoch: 2000, epochs: 2000, fraction: 1 } });
    expect(curve.points.length).toBeGreaterThan(10);
    expect(curve.points[0].epoch).toBe(1);
    expect(curve.points.at(-1).loss).toBeLessThan(curve.points[0].loss);
    expect(result.weights).toHaveLength(2);
    expect(result.weights[0].W).toHaveLength(8);
    expect(result.metrics.epochsRun).toBe(2000);
    expect(result.seed).toBe(42);
    expect(predicted.statusCode).toBe(200);
    const outputs = predicted.json().outputs.map((row: number[]) => row[0]);
    expect(outputs[0]).toBeLessThan(0.2);
    expect(outputs[1]).toBeGreaterThan(0.8);
    expect(outputs[2]).toBeGreaterThan(0.8);
    expect(outputs[3]).toBeLessThan(0.2);
  });

  it('trains the builtin iris dataset to high accuracy with softmax and cross_entropy', async () => {
    const body = {
      name: 'iris',
      model: { inputSize: 4, layers: [{ units: 16, activation: 'relu' }, { units: 3, activation: 'softmax' }] },
      loss: 'cross_entropy',
      optimizer: { type: 'adam', learningRate: 0.02 },
      training: { epochs: 300, batchSize: 16, seed: 1 },
      data: { builtin: 'iris' },
    };

    const job = await waitForTerminal((await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body })).json().id);
    const predicted = await t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/predict`, payload: { inputs: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] } });

    expect(job.status).toBe('completed');
    expect(job.latest.accuracy).toBeGreaterThan(0.9);
    const [setosa, virginica] = predicted.json().outputs;
    expect(setosa[0]).toBeGreaterThan(0.8);
    expect(virginica[2]).toBeGreaterThan(0.5);
    expect(setosa.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('warm-starts from a completed job (fromJob)', async () => {
    const base = xorSubmission();
    (base.training as any).epochs = 50;
    const first = await waitForTerminal((await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: base })).json().id);
    const firstResult = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${first.id}/result` })).json();

    const zeroEpochs = xorSubmission();
    (zeroEpochs.training as any).epochs = 1;
    (zeroEpochs.optimizer as any).learningRate = 1e-12;
    (zeroEpochs.model as any).fromJob = first.id;
    const warm = await waitForTerminal((await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: zeroEpochs })).json().id);
    const warmResult = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${warm.id}/result` })).json();

    expect(warm.status).toBe('completed');
    expect(warmResult.weights[1].W[0][0]).toBeCloseTo(firstResult.weights[1].W[0][0], 6);
  });

  it('cancels a running job within moments', async () => {
    const body = xorSubmission();
    (body.training as any).epochs = 100_000;
    const id = (await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body })).json().id;
    const deadline = Date.now() + 30_000;
    while ((await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json().status !== 'running') {
      if (Date.now() > deadline) throw new Error('never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const cancel = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    const job = await waitForTerminal(id, 10_000);

    expect(cancel.statusCode).toBe(202);
    expect(job.status).toBe('cancelled');
    expect(job.progress.epoch).toBeLessThan(100_000);
  });
});
