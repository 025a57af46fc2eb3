import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

/**
 * Property-based fuzzing of POST /v1/jobs/{id}/predict through inject, on completed jobs of
 * every activation. Every answer is 200 (every output a finite number), 400, 413, 415 or 422
 * (`non_finite_output`); never a 5xx, never `null`, never a stack or a library message.
 */

const ALLOWED = new Set([200, 400, 413, 415, 422]);
const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear', 'softmax'] as const;
let t: TestApp;
let worker: WorkerHandle;
const jobIds: string[] = [];
const statuses = new Map<number, number>();

async function waitForCompleted(id: string): Promise<void> {
  for (;;) {
    const status = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json().status;
    if (status === 'completed') return;
    if (status === 'failed' || status === 'cancelled') throw new Error(`job ${id} ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  t = await buildTestApp({ WORKER_CONCURRENCY: '1' });
  worker = await startWorker({ config: t.config, log: pino({ level: 'silent' }) });
  for (const activation of ACTIVATIONS) {
    // A hidden layer of `activation`, then a linear output (softmax on the output only).
    const layers = activation === 'softmax'
      ? [{ units: 3, activation: 'tanh' }, { units: 2, activation: 'softmax' }]
      : [{ units: 3, activation }, { units: 2, activation: 'linear' }];
    const body = xorSubmission({
      model: { inputSize: 2, layers },
      data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0, 1], [1, 0], [1, 0], [0, 1]] },
      training: { epochs: 20, batchSize: 4, seed: 3 },
    });
    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body });
    expect(res.statusCode, res.body).toBe(202);
    jobIds.push(res.json().id);
  }
  await Promise.all(jobIds.map(waitForCompleted));
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await t?.close();
});

async function post(jobIndex: number, payload: string, contentType = 'application/json'): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${jobIds[jobIndex % jobIds.length]}/predict`, payload, headers: { 'content-type': contentType } });
  statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  expect(ALLOWED.has(res.statusCode), `${res.statusCode} ${res.body}`).toBe(true);
  expect(res.body).not.toMatch(/"stack"|at [\w.<>]+ \(|node_modules|\/work\/|\.ts:\d+|Unexpected token|SyntaxError/i);
  if (res.statusCode === 200) {
    const outputs: unknown[][] = res.json().outputs;
    expect(outputs.flat().every((value) => typeof value === 'number' && Number.isFinite(value)), res.body).toBe(true);
  } else {
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  }
  if (res.statusCode === 422) expect(res.json().errors[0].path).toMatch(/^\/inputs\/\d+$/);
}

/** Any double, the extremes often: ±1.7e308, the largest and smallest, 0, -0, and NaN/±Infinity (sent as null by JSON). */
const value = fc.oneof(
  { weight: 3, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.constantFrom(1.7e308, -1.7e308, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, 0, -0, 1, -1) },
  { weight: 1, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
);
const rows = fc.array(fc.array(value, { minLength: 0, maxLength: 3 }), { minLength: 0, maxLength: 12 });

describe('POST /v1/jobs/{id}/predict fuzzing', () => {
  it('answers any rows of any doubles with 200 (finite outputs), 400 or 422', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(), rows, async (job, inputs) => post(job, JSON.stringify({ inputs }))), { numRuns: 1500 });
  });

  it('answers number texts beyond the double range with 400 or 200, never 5xx', async () => {
    const text = fc.tuple(fc.constantFrom('1e309', '-1e309', '1e-400', '-0', '1.7976931348623157e308', '123456789012345678901234567890'), fc.constantFrom('0', '1e308', '-1e308'));
    await fc.assert(fc.asyncProperty(fc.nat(), text, async (job, [a, b]) => post(job, `{"inputs":[[${a},${b}]]}`)), { numRuns: 200 });
  });

  it('answers any JSON value and arbitrary text with 400 or 415', async () => {
    const body = fc.oneof(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'), fc.string({ maxLength: 200 }));
    await fc.assert(fc.asyncProperty(fc.nat(), body, fc.constantFrom('application/json', 'text/plain'), post), { numRuns: 1500 });
  });

  it('covered the outcomes: predictions, refusals and overflows', () => {
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(10);
  });
});
