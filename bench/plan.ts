/**
 * `npm run bench:plan`: the dry run's `estimatedSeconds` against the real run through the
 * service, on the README's XOR job and on an mnist-mlp job (784-128-64-10, 6,000 uploaded rows,
 * batches of 64, 3 epochs). It starts a private redis-server, the API and one worker in this
 * process (the worker calibrates itself at start, as in production), asks for the dry run,
 * submits the same body, and times it from the 202 to `completed`. Prints estimate, real time
 * and their ratio. The estimate is meant to be within a factor of 2: the command exits 1 when a
 * ratio is not (a timing check that belongs in a benchmark, not in `npm test`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
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

type App = Awaited<ReturnType<typeof buildApp>>;

/**
 * `app.inject`, again while the API sheds load (503): parsing the 6,000-row upload blocks the
 * event loop for seconds, and the next requests are refused until its delay has been measured
 * down again.
 */
async function request(app: App, options: InjectOptions): Promise<LightMyRequestResponse> {
  for (;;) {
    const reply = await app.inject(options);
    if (reply.statusCode !== 503) return reply;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-bench-plan-'));
  const redis = await startRedisServer({ dir, appendOnly: false });
  const config = loadConfig({ REDIS_URL: redis.url, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', WORKER_CONCURRENCY: '1' });
  const log = createLogger(config);
  const app = await buildApp({ config, log });
  const worker = await startWorker({ config, log });
  try {
    const upload = await request(app, { method: 'POST', url: '/v1/datasets', payload: mnistLikeRows(6000) });
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
      const plan = (await request(app, { method: 'POST', url: '/v1/jobs?dryRun=true', payload: body })).json();
      const start = performance.now();
      const { id } = (await request(app, { method: 'POST', url: '/v1/jobs', payload: body })).json();
      let status = 'queued';
      while (!['completed', 'failed', 'cancelled'].includes(status)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = (await request(app, { method: 'GET', url: `/v1/jobs/${id}` })).json().status;
      }
      const real = (performance.now() - start) / 1000;
      const ratio = real / plan.estimatedSeconds;
      const within = ratio >= 0.5 && ratio <= 2;
      if (!within) process.exitCode = 1;
      console.log(`| ${body.name} | ${plan.estimatedSeconds.toFixed(3)} | ${real.toFixed(3)} | ${ratio.toFixed(2)}${within ? '' : ' (outside a factor of 2)'} |`);
    }
    const t = (await request(app, { method: 'POST', url: '/v1/jobs?dryRun=true', payload: XOR })).json().throughput;
    console.log(`calibration: ${(t.flopsPerSecond / 1e9).toFixed(2)} GFLOP/s, ${(t.secondsPerStep * 1e6).toFixed(1)} µs a step, ${t.secondsPerJob} s a job, kernels ${t.kernels}`);
  } finally {
    await worker.close();
    await app.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
