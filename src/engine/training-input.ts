/**
 * What a training run is given, checked and sized before it starts: the training/validation row
 * split, the memory bound the worker admits jobs by, and the consistency checks of options and data.
 */
import { optimizerSlotCount } from './optimizers/optimizer.js';
import { checkpointBytes } from './checkpoint.js';
import { ShapeError } from './errors.js';
import { LOSSES } from './losses.js';
import { assertNetworkSpec, outputSize, parameterCount } from './network.js';
import type { Dataset, Kernels, NetworkSpec, Precision, TrainingOptions } from './types.js';

/**
 * Training rows of a dataset with `validationSplit`: the first ⌊samples·(1 − split)⌋ rows (as
 * Keras and TF.js split), the rest being validation rows.
 */
export function trainRowCount(samples: number, validationSplit: number): number {
  return validationSplit > 0 ? Math.floor(samples * (1 - validationSplit)) : samples;
}

/** Bytes of per-run buffers allocated outside the kernel buffers' single call, besides the order. */
const SMALL_ALLOCATIONS_BYTES = 256 * 1024;

/**
 * An upper bound, in bytes, of every ArrayBuffer that `createTrainer` plus `run` allocate for
 * these sizes, including two `snapshot()`s alive at once (a worker keeps the last two checkpoints
 * and takes them while training). The dataset's own
 * arrays, which the caller passes in, are not included: add `samples × (inputs + outputs) × 8`
 * for Float64Array data.
 */
export function estimateTrainingBytes(
  network: NetworkSpec, samples: number, batchSize: number, precision: Precision, optimizer: 'adam' | 'sgd', earlyStopping: boolean,
): number {
  const bpn = precision === 'float64' ? 8 : 4;
  const P = parameterCount(network);
  const B = Math.max(1, Math.min(batchSize, samples));
  let units = 0;
  let largestW = 0;
  let inSize = network.inputSize;
  for (const l of network.layers) {
    units += l.units;
    largestW = Math.max(largestW, l.units * inSize);
    inSize = l.units;
  }
  const vectors = 2 + optimizerSlotCount(optimizer) + (earlyStopping ? 1 : 0);
  // Kernel buffers, plus the TypeScript kernels' scratch copy of the largest Wᵀ.
  const kernelNumbers = P * vectors + B * (network.inputSize + outputSize(network)) + 3 * B * units + largestW;
  const order = samples * 4;
  const snapshot = checkpointBytes(samples, P, bpn, vectors - 1);
  return kernelNumbers * bpn + order + 2 * snapshot + SMALL_ALLOCATIONS_BYTES;
}

function fail(message: string): never {
  throw new ShapeError(message);
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Checks options and dataset against each other. @throws ShapeError */
export function assertTrainingInput(dataset: Dataset, o: TrainingOptions, kernels: Kernels): void {
  assertNetworkSpec(o.network);
  if (!LOSSES.includes(o.loss)) fail(`unknown loss ${JSON.stringify(o.loss)}`);
  if (o.precision !== kernels.precision) fail(`precision ${o.precision} but kernels ${kernels.name} are ${kernels.precision}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 0) fail('epochs must be a non-negative integer');
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) fail('batchSize must be a positive integer');
  if (!isFiniteNumber(o.validationSplit) || o.validationSplit < 0 || o.validationSplit >= 1) fail('validationSplit must be in [0, 1)');
  if (!Number.isInteger(o.seed)) fail('seed must be an integer');
  if (o.clipNorm != null && !(isFiniteNumber(o.clipNorm) && o.clipNorm > 0)) fail('clipNorm must be a positive number or null');
  const opt = o.optimizer;
  if (!opt || (opt.type !== 'adam' && opt.type !== 'sgd')) fail('optimizer.type must be adam or sgd');
  if (!isFiniteNumber(opt.learningRate) || opt.learningRate <= 0) fail('optimizer.learningRate must be positive');
  if (!isFiniteNumber(opt.weightDecay) || opt.weightDecay < 0) fail('optimizer.weightDecay must be ≥ 0');
  if (opt.type === 'adam') {
    if (!isFiniteNumber(opt.beta1) || opt.beta1 < 0 || opt.beta1 >= 1) fail('optimizer.beta1 must be in [0, 1)');
    if (!isFiniteNumber(opt.beta2) || opt.beta2 < 0 || opt.beta2 >= 1) fail('optimizer.beta2 must be in [0, 1)');
    if (!isFiniteNumber(opt.epsilon) || opt.epsilon < 0) fail('optimizer.epsilon must be ≥ 0');
  } else if (!isFiniteNumber(opt.momentum) || opt.momentum < 0 || opt.momentum >= 1) {
    fail('optimizer.momentum must be in [0, 1)');
  }
  const es = o.earlyStopping;
  if (es) {
    if (!Number.isInteger(es.patience) || es.patience < 0) fail('earlyStopping.patience must be a non-negative integer');
    if (!isFiniteNumber(es.minDelta) || es.minDelta < 0) fail('earlyStopping.minDelta must be ≥ 0');
  }
  const d = dataset;
  if (!Number.isInteger(d.samples) || d.samples < 1) fail('dataset.samples must be a positive integer');
  if (d.inputSize !== o.network.inputSize) fail(`dataset has ${d.inputSize} inputs, the network ${o.network.inputSize}`);
  const out = outputSize(o.network);
  if (d.outputSize !== out) fail(`dataset has ${d.outputSize} targets per row, the network ${out} outputs`);
  if (d.inputs.length !== d.samples * d.inputSize) fail(`dataset.inputs: expected ${d.samples * d.inputSize} numbers, got ${d.inputs.length}`);
  if (d.targets.length !== d.samples * d.outputSize) fail(`dataset.targets: expected ${d.samples * d.outputSize} numbers, got ${d.targets.length}`);
  for (let i = 0; i < d.inputs.length; i++) if (!Number.isFinite(d.inputs[i])) fail(`dataset.inputs[${i}] is not finite`);
  for (let i = 0; i < d.targets.length; i++) if (!Number.isFinite(d.targets[i])) fail(`dataset.targets[${i}] is not finite`);
  if (trainRowCount(d.samples, o.validationSplit) < 1) fail('validationSplit leaves no training rows');
}
