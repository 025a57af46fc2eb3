import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createThroughputStore } from '../../../src/store/throughput-store.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => {
  await t.close();
});

async function keysOfPrefix(): Promise<string[]> {
  return (await t.redis.keys(`*${t.config.KEY_PREFIX}*`)).sort();
}

function post(url: string, body: unknown) {
  return t.app.inject({ method: 'POST', url, payload: body as object });
}

describe('POST /v1/jobs?dryRun=true', () => {
  it('answers 200 with the plan and stores and queues nothing', async () => {
    const before = await keysOfPrefix();

    const res = await post('/v1/jobs?dryRun=true', xorSubmission());

    expect(res.statusCode).toBe(200);
    const plan = res.json();
    // 2-8-1: 2·8 + 8 + 8·1 + 1 parameters; 16 + 8 weights, 4 rows × 500 epochs × 6 FLOPs a weight.
    expect(plan.parameters).toBe(33);
    expect(plan.flops).toBe(6 * 24 * 4 * 500);
    expect(plan.steps).toBe(500);
    expect(plan.memoryBytes).toBeGreaterThan(0);
    expect(plan.estimatedSeconds).toBeGreaterThan(0);
    expect(plan.limits).toContainEqual({ name: 'MAX_PARAMETERS', value: 33, max: t.config.MAX_PARAMETERS });
    expect(plan.limits).toContainEqual({ name: 'MAX_EPOCHS', value: 500, max: t.config.MAX_EPOCHS });
    expect(plan.limits.map((l: { name: string }) => l.name)).toContain('MAX_MEMORY_BYTES');
    expect(await keysOfPrefix()).toEqual(before);
    const list = await t.app.inject({ method: 'GET', url: '/v1/jobs' });
    expect(list.json().items).toEqual([]);
  });

  it('answers the same 400 as a submit for the same bad body', async () => {
    const bad = xorSubmission({ model: { inputSize: 3, layers: [{ units: 8, activation: 'softmax' }, { units: 1, activation: 'sigmoid' }] } });

    const dry = await post('/v1/jobs?dryRun=true', bad);
    const real = await post('/v1/jobs', bad);

    expect(dry.statusCode).toBe(400);
    expect(dry.json().errors).toEqual(real.json().errors);
    expect(dry.json().errors.length).toBeGreaterThan(0);
  });

  it('estimates from the stored worker calibration: overhead + steps + FLOPs over the rate', async () => {
    const store = createThroughputStore({ redis: t.redis, config: t.config });
    await store.saveThroughput({ flopsPerSecond: 1e9, secondsPerStep: 1e-4, secondsPerJob: 0.5, kernels: 'wasm-simd', measuredAt: new Date().toISOString() });

    const plan = (await post('/v1/jobs?dryRun=true', xorSubmission())).json();

    expect(plan.throughput.kernels).toBe('wasm-simd');
    expect(plan.estimatedSeconds).toBeCloseTo(0.5 + 500 * 1e-4 + (6 * 24 * 4 * 500) / 1e9, 9);
  });

  it('grows the estimate with the epochs', async () => {
    const short = (await post('/v1/jobs?dryRun=true', xorSubmission({ training: { epochs: 100, batchSize: 4, seed: 1 } }))).json();
    const long = (await post('/v1/jobs?dryRun=true', xorSubmission({ training: { epochs: 10_000, batchSize: 4, seed: 1 } }))).json();

    expect(long.flops).toBe(short.flops * 100);
    expect(long.estimatedSeconds).toBeGreaterThan(short.estimatedSeconds);
  });

  it('refuses an unknown query parameter with 400', async () => {
    const res = await post('/v1/jobs?dryRun=maybe', xorSubmission());

    expect(res.statusCode).toBe(400);
  });
});
