import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

let t: TestApp;
let worker: WorkerHandle;
beforeAll(async () => {
  t = await buildTestApp({ WORKER_CONCURRENCY: '1' });
  worker = await startWorker({ config: t.config, log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

describe('worker throughput calibration', () => {
  it('is measured in a thread after the worker starts and becomes the basis of dry-run estimates', async () => {
    const dryRun = async (): Promise<any> => (await t.app.inject({ method: 'POST', url: '/v1/jobs?dryRun=true', payload: xorSubmission() })).json();
    await expect.poll(async () => (await dryRun()).throughput.kernels, { timeout: 30_000, interval: 200 }).not.toBe('default');

    const plan = await dryRun();

    expect(plan.throughput.kernels).toMatch(/^(wasm-simd|wasm-relaxed-simd|ts)/);
    expect(plan.throughput.kernels).not.toBe('default');
    expect(plan.throughput.flopsPerSecond).toBeGreaterThan(0);
    expect(plan.throughput.secondsPerStep).toBeGreaterThanOrEqual(0);
    expect(Date.parse(plan.throughput.measuredAt)).toBeGreaterThan(Date.now() - 120_000);
    const { flopsPerSecond, secondsPerStep, secondsPerJob } = plan.throughput;
    expect(plan.estimatedSeconds).toBeCloseTo(secondsPerJob + plan.steps * secondsPerStep + plan.flops / flopsPerSecond, 9);
  });
});
