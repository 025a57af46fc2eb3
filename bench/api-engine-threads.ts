/**
 * The hardware reference of bench:api's thread scaling: the CPU-bound job trained on the engine
 * directly (no Redis, no queue, no HTTP) in THREADS worker_threads of one process at once, each
 * running JOBS jobs after a warm-up one. Prints `{"threads":N,"jobsPerSecond":X}` as its last line.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createKernels, createTrainer } from '../src/engine/index.js';
import type { TrainingOptions } from '../src/engine/index.js';
import { enableWasmFeatures } from '../src/wasm-features.js';
import { CPU_JOB, regressionData } from './api-workloads.js';

function train(seed: number): void {
  const { samples, inputSize, hidden, epochs, batchSize } = CPU_JOB;
  const data = regressionData(samples, inputSize);
  const dataset = {
    samples, inputSize, outputSize: 1, inputs: Float64Array.from(data.inputs.flat()), targets: Float64Array.from(data.targets.flat()),
  };
  const options: TrainingOptions = {
    network: { inputSize, layers: [{ units: hidden, activation: 'tanh' }, { units: hidden, activation: 'tanh' }, { units: 1, activation: 'linear' }] },
    loss: 'mse', init: 'auto', initialWeights: null, epochs, batchSize, shuffle: true, seed, validationSplit: 0, earlyStopping: null, clipNorm: null,
    precision: 'float32', optimizer: { type: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
  };
  createTrainer(dataset, options, createKernels('auto', 'float32')).run();
}

if (isMainThread) {
  enableWasmFeatures();
  const threads = Number(process.env.THREADS ?? 1);
  const jobs = Number(process.env.JOBS ?? 4);
  const workers = Array.from({ length: threads }, () => new Worker(new URL('../workers/thread-bootstrap.mjs', import.meta.url), {
    workerData: { entry: import.meta.url, jobs }, execArgv: [],
  }));
  // Every thread warms up, then all start together.
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const start = performance.now();
  workers.forEach((w) => w.postMessage('go'));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  process.stdout.write(`${JSON.stringify({ threads, jobsPerSecond: (threads * jobs) / seconds })}\n`);
} else {
  const { jobs } = workerData as { jobs: number };
  train(1);
  parentPort!.postMessage('ready');
  parentPort!.once('message', () => {
    for (let i = 0; i < jobs; i++) train(100 + i);
    parentPort!.postMessage('done');
  });
}
