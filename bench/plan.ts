/**
 * `npm run bench:plan`: the dry run's `estimatedSeconds` against the real run through the
 * service, on the README's XOR job and on an mnist-mlp job (784-128-64-10, 6,000 uploaded rows,
 * batches of 64, 3 epochs). It starts a private redis-server, the API and one worker in this
 * process (the worker calibrates itself at start, as in production), asks for the dry run,
 * submits the same body, and times it from the 202 to `completed`. Prints estimate, real time
 * and their ratio (the estimate is meant to be within a factor of 2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { startRedisServer } from '../src/embedded-redis.js';
import { createLogger } from '../src/logger.js';
import { startWorker } from '../workers/main.js';

const XOR = {
  name: 'xor',
  model: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
  loss: 'mse',
  optimizer: { type: 'adam', learningRate: 0.05 },
  training: { epochs: 1000, batchSize: 4, seed: 42 },
  data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] },
};

/** 6,000 deterministic mnist-shaped rows: 784 inputs in [0, 1), a one-hot target of 10. */
function mnistLikeRows(rows: number): { inputs: number[][]; targets: number[][] } {
  const inputs: number[][] = [];
  const targets: number[][] = [];
  for (let r = 0; r < rows; r++) {
    inputs.push(Array.from({ length: 784 }, (_, i) => (Math.sin(r * 7.1 + i * 0.3) + 1) / 2));
    targets.push(Array.from({ length: 10 }, (_, k) => (k === r % 10 ? 1 : 0)));
  }
  return { inputs, targets };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-bench-plan-'));
  const redis = await startRedisServer({ dir, appendOnly: false });
  const config = loadConfig({ REDIS_URL: redis.url, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '1' });
  const log = createLogger(config);
  const app = await buildApp({ config, log });
  const worker = await startWorker({ config, log });
  try {
    const upload = await app.inject({ method: 'POST', url: '/v1/datasets', payload: mnistLikeRows(6000) });
    const mnist = {
      name: 'mnist-mlp',
      model: { inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }] },
      loss: 'cross_entropy',
      training: { epochs: 3, batchSize: 64, seed: 1 },
      data: { datasetId: upload.json().id },
    };
    console.log('| job | estimated s | real s (202 → completed) | real / estimated |');
    console.log('|---|---|---|---|');
    for (const body of [XOR, mnist, XOR, mnist]) {
      const plan = (await app.inject({ method: 'POST', url: '/v1/jobs?dryRun=true', payload: body })).json();
      const start = performance.now();
      const { id } = (await app.inject({ method: 'POST', url: '/v1/jobs', payload: body })).json();
      let status = 'queued';
      while (!['completed', 'failed', 'cancelled'].includes(status)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json().status;
      }
      const real = (performance.now() - start) / 1000;
      console.log(`| ${body.name} | ${plan.estimatedSeconds.toFixed(3)} | ${real.toFixed(3)} | ${(real / plan.estimatedSeconds).toFixed(2)} |`);
    }
    const t = (await app.inject({ method: 'POST', url: '/v1/jobs?dryRun=true', payload: XOR })).json().throughput;
    console.log(`calibration: ${(t.flopsPerSecond / 1e9).toFixed(2)} GFLOP/s, ${(t.secondsPerStep * 1e6).toFixed(1)} µs a step, ${t.secondsPerJob} s a job, kernels ${t.kernels}`);
  } finally {
    await worker.close();
    await app.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
