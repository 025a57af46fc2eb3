/**
 * `npx tsx bench/engine-job-overhead.ts`: the engine-side parts of a job's fixed cost, each the
 * median of 5 in this process: starting a training thread until it has loaded the engine, building
 * a kernel set, creating the trainer (checks and converts the dataset, allocates, initialises),
 * the first checkpoint, encoding the weights, and attaching helper threads for a 2-thread run.
 * Redis reads and writes (dataset load, checkpoint and result writes) are the worker's and are
 * not measured here. Data: mnist-mlp's 10,000 × 784 digits as Float64Array, as the worker has them.
 */
import { Worker } from 'node:worker_threads';
import { createKernels, createTrainer, encodeWeights, type TrainingOptions } from '../src/engine/index.js';
import { enableWasmFeatures } from '../src/wasm-features.js';
import { TrainingHelpers } from '../workers/training-helpers.js';

enableWasmFeatures();
const ROWS = 10_000;
const inputs = new Float64Array(ROWS * 784).map((_, i) => ((i * 7919) % 255) / 255);
const targets = new Float64Array(ROWS * 10).map((_, i) => (i % 10 === (i / 10) % 10 ? 1 : 0));
const dataset = { samples: ROWS, inputSize: 784, outputSize: 10, inputs, targets };
const options: TrainingOptions = {
  network: { inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }] },
  loss: 'cross_entropy', init: 'auto', epochs: 1, batchSize: 64, shuffle: true, seed: 1, validationSplit: 0.1,
  earlyStopping: null, clipNorm: null, precision: 'float32',
  optimizer: { type: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function threadStartMs(): Promise<number> {
  const t0 = performance.now();
  const worker = new Worker(new URL('../src/threads/thread-bootstrap.mjs', import.meta.url), {
    workerData: { entry: new URL('../workers/training-thread.ts', import.meta.url).href },
  });
  await new Promise((resolve, reject) => {
    worker.on('message', (m: { type?: string }) => { if (m?.type === 'ready') resolve(m); });
    worker.once('error', reject);
  });
  const ms = performance.now() - t0;
  await worker.terminate();
  return ms;
}

const parts: Record<string, number[]> = {};
const time = <T>(name: string, f: () => T): T => {
  const t0 = performance.now();
  const r = f();
  (parts[name] ??= []).push(performance.now() - t0);
  return r;
};
const helpers = new TrainingHelpers();
for (let run = 0; run < 5; run++) {
  (parts['training thread start (tsx, engine import, ready)'] ??= []).push(await threadStartMs());
  const kernels = time('kernel set (wasm-simd float32, instantiate)', () => createKernels('wasm-simd', 'float32'));
  const trainer = time('createTrainer (checks, float64→float32 on gather, allocate, init)', () => createTrainer(dataset, options, kernels));
  time('first checkpoint (snapshot)', () => trainer.snapshot());
  time('encodeWeights (result bytes)', () => encodeWeights(options.network, trainer.getWeights()));
  const two = createTrainer(dataset, options, createKernels('wasm-simd', 'float32'), undefined, { threads: 2 });
  const t0 = performance.now();
  await helpers.attach(two);
  (parts[run === 0 ? 'helper thread attach, first (thread start)' : 'helper thread attach, warm'] ??= []).push(performance.now() - t0);
  await helpers.detach(two);
}
await helpers.terminate();
console.log('| part | median ms (of 5) | range |');
console.log('|---|---:|---|');
for (const [name, xs] of Object.entries(parts)) {
  console.log(`| ${name} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} |`);
}
