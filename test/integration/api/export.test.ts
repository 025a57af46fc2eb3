/**
 * GET /v1/jobs/{id}/model.onnx and /tfjs/model.json (+ its weights file), through a real worker:
 * onnxruntime-node and TF.js (tf.loadLayersModel over real HTTP from the listening app) give
 * /predict's outputs to 1e-5 for every activation and every loss.
 */
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

type Activation = 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'linear' | 'softmax';
type Loss = 'mse' | 'cross_entropy' | 'binary_cross_entropy';

interface Case { hidden: Activation; output: Activation; loss: Loss }

/** Every activation in a hidden or an output layer, every loss. */
const CASES: Case[] = [
  { hidden: 'sigmoid', output: 'linear', loss: 'mse' },
  { hidden: 'tanh', output: 'tanh', loss: 'mse' },
  { hidden: 'relu', output: 'softmax', loss: 'cross_entropy' },
  { hidden: 'leaky_relu', output: 'sigmoid', loss: 'binary_cross_entropy' },
  { hidden: 'linear', output: 'relu', loss: 'mse' },
  { hidden: 'tanh', output: 'leaky_relu', loss: 'mse' },
];

const INPUT_SIZE = 3;
const OUTPUTS = 3;

/** Deterministic values in [-2, 2) (a small LCG). */
function values(count: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s / 2 ** 32) * 4 - 2);
  }
  return out;
}

function rows(count: number, width: number, seed: number): number[][] {
  const flat = values(count * width, seed);
  return Array.from({ length: count }, (_, i) => flat.slice(i * width, (i + 1) * width));
}

function targetsFor(loss: Loss, inputs: number[][]): number[][] {
  if (loss === 'cross_entropy') return inputs.map((_, i) => [0, 1, 2].map((c) => (c === i % OUTPUTS ? 1 : 0)));
  if (loss === 'binary_cross_entropy') return inputs.map((row) => row.map((v) => (v > 0 ? 1 : 0)));
  return inputs.map((row) => row.map((v) => v / 2));
}

function submission(c: Case, seed: number): Record<string, unknown> {
  const inputs = rows(16, INPUT_SIZE, seed);
  return xorSubmission({
    name: `export ${c.hidden} ${c.output} ${c.loss}`,
    model: { inputSize: INPUT_SIZE, layers: [{ units: 6, activation: c.hidden }, { units: 5, activation: c.hidden }, { units: OUTPUTS, activation: c.output }] },
    loss: c.loss,
    training: { epochs: 30, batchSize: 8, shuffle: true, seed, validationSplit: 0, earlyStopping: null, precision: 'float64' },
    data: { inputs, targets: targetsFor(c.loss, inputs) },
  });
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

let t: TestApp;
let worker: WorkerHandle;
let baseUrl: string;
const jobIds = new Map<Case, string>();
const probe = rows(9, INPUT_SIZE, 999);

async function waitForTerminal(id: string, timeoutMs = 60_000): Promise<{ status: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function predicted(id: string): Promise<number[]> {
  const response = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/predict`, payload: { inputs: probe } });
  expect(response.statusCode).toBe(200);
  return (response.json().outputs as number[][]).flat();
}

beforeAll(async () => {
  t = await buildTestApp({ WORKER_CONCURRENCY: '2', CHECKPOINT_INTERVAL_MS: '0' });
  worker = await startWorker({ config: t.config, log: pino({ level: 'silent' }) });
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  for (const [i, c] of CASES.entries()) {
    const response = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: submission(c, i + 1) });
    expect(response.statusCode).toBe(202);
    jobIds.set(c, response.json().id);
  }
  for (const id of jobIds.values()) expect((await waitForTerminal(id)).status).toBe('completed');
  // Six small jobs on one worker: generous on a shared machine (nothing asserts on time).
}, 240_000);

afterAll(async () => {
  await worker?.close();
  await t?.close();
});

describe('GET /v1/jobs/{id}/model.onnx', () => {
  for (const c of CASES) {
    it(`loads in onnxruntime and equals /predict to 1e-5: ${c.hidden} hidden, ${c.output} output, ${c.loss}`, async () => {
      const id = jobIds.get(c)!;

      const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/model.onnx` });
      const session = await ort.InferenceSession.create(new Uint8Array(response.rawPayload));
      const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(probe.flat()), [probe.length, INPUT_SIZE]) });
      await session.release();

      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/octet-stream');
      expect(session.inputNames).toEqual(['input']);
      expect(session.outputNames).toEqual(['output']);
      expect(result.output.dims).toEqual([probe.length, OUTPUTS]);
      expect(maxAbsDifference(result.output.data as Float32Array, await predicted(id))).toBeLessThan(1e-5);
    });
  }
});

describe('GET /v1/jobs/{id}/tfjs/model.json', () => {
  for (const c of CASES) {
    it(`loads with tf.loadLayersModel over HTTP and equals /predict to 1e-5: ${c.hidden} hidden, ${c.output} output, ${c.loss}`, async () => {
      const id = jobIds.get(c)!;

      const model = await tf.loadLayersModel(`${baseUrl}/v1/jobs/${id}/tfjs/model.json`);
      const x = tf.tensor2d(probe);
      const y = model.predict(x) as tf.Tensor;
      const outputs = await y.data();
      tf.dispose([x, y]);
      model.dispose();

      expect(maxAbsDifference(outputs, await predicted(id))).toBeLessThan(1e-5);
    });
  }

  it('serves the weights file model.json names, and 404 for another name', async () => {
    const id = jobIds.get(CASES[0])!;
    const modelJson = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/tfjs/model.json` })).json();
    const [file] = modelJson.weightsManifest[0].paths;

    const weights = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/tfjs/${file}` });
    const other = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/tfjs/other.bin` });

    expect(weights.statusCode).toBe(200);
    expect(weights.headers['content-type']).toBe('application/octet-stream');
    expect(weights.rawPayload.byteLength).toBe(4 * (3 * 6 + 6 + 6 * 5 + 5 + 5 * 3 + 3));
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('not_found');
  });
});

describe('export before completion', () => {
  it('returns 409 job_not_finished while the job is queued or running, and job_failed once cancelled', async () => {
    const body = xorSubmission();
    (body.training as Record<string, unknown>).epochs = 100_000;
    const id = (await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body })).json().id;

    const early = await Promise.all([`/v1/jobs/${id}/model.onnx`, `/v1/jobs/${id}/tfjs/model.json`, `/v1/jobs/${id}/tfjs/group1-shard1of1.bin`]
      .map((url) => t.app.inject({ method: 'GET', url })));
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    await waitForTerminal(id);
    const late = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/model.onnx` });

    for (const response of early) {
      expect(response.statusCode).toBe(409);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().code).toBe('job_not_finished');
    }
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('job_failed');
  });

  it('returns 404 for an unknown job', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/jobs/no-such-job/model.onnx' });

    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('not_found');
  });
});
