/**
 * The training loop: epochs of shuffled mini-batches, forward, loss, backward, optional global-norm
 * clipping, one optimizer step per batch; per-epoch metrics, validation, early stopping, divergence
 * checks and exact checkpoints. Every buffer comes from one `kernels.allocate` call at creation,
 * so nothing is allocated per batch.
 */
import {
  FLAG_EARLY_STOPPED, FLAG_FINISHED, FLAG_HAS_BEST, checkpointBytes, decodeCheckpointArrays, decodeCheckpointHeader,
  encodeCheckpoint, type CheckpointHeader,
} from './checkpoint.js';
import { backwardPass, createLayers, forwardPass } from './backprop.js';
import type { DenseLayer } from './dense-layer.js';
import { DivergenceError, ShapeError } from './errors.js';
import { accuracyUnits, computeLoss, countCorrect, hasAccuracy, LOSSES } from './losses.js';
import { assertNetworkSpec, flatToWeights, initializeFlat, layerShapes, outputSize, parameterCount, weightsToFlat } from './network.js';
import { firstNonFinite, sumOfSquares } from './matrix.js';
import { Adam } from './optimizers/adam.js';
import { optimizerSlotCount, type Optimizer } from './optimizers/optimizer.js';
import { Sgd } from './optimizers/sgd.js';
import { Rng, shuffleInPlace } from './rng.js';
import type {
  Dataset, EpochMetrics, FloatArray, Kernels, LayerWeights, NetworkSpec, Precision, TrainingCallbacks, TrainingOptions,
  TrainingOutcome,
} from './types.js';

/** A training run in progress; see {@link createTrainer}. */
export interface Trainer {
  /**
   * Trains until all epochs are done, early stopping triggers, or `callbacks.shouldStop()` returns
   * true between batches. Synchronous. Resumes where the checkpoint (or the previous `run`) left
   * off; after a finished run it returns the same outcome again.
   * @throws DivergenceError when the loss (every batch) or the weights (every epoch) stop being finite
   */
  run(callbacks?: TrainingCallbacks): TrainingOutcome;
  /** A compact binary checkpoint of everything that decides the future (see checkpoint.ts). */
  snapshot(): Uint8Array;
  /** Current weights (the best epoch's after early stopping with `restoreBestWeights`), contract JSON form. */
  getWeights(): LayerWeights[];
  /** Completed epochs. */
  readonly epoch: number;
  /** Optimizer steps so far (Adam's `t`). */
  readonly step: number;
  /** The kernel set's name. */
  readonly kernelName: string;
}

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
function assertTrainingInput(dataset: Dataset, o: TrainingOptions, kernels: Kernels): void {
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

class TrainerImpl implements Trainer {
  readonly kernelName: string;
  private readonly o: TrainingOptions;
  private readonly kernels: Kernels;
  private readonly inSize: number;
  private readonly outSize: number;
  private readonly inputs: FloatArray;
  private readonly targets: FloatArray;
  private readonly trainRows: number;
  private readonly valRows: number;
  private readonly batchSize: number;
  private readonly batchesPerEpoch: number;
  private readonly theta: FloatArray;
  private readonly grad: FloatArray;
  private readonly best: FloatArray | null;
  private readonly x: FloatArray;
  private readonly y: FloatArray;
  private readonly layers: DenseLayer[];
  private readonly optimizer: Optimizer;
  private readonly order: Uint32Array;
  private readonly rng: Rng;
  private readonly withAccuracy: boolean;
  private readonly monitorVal: boolean;

  // Everything below is checkpointed.
  private epochsDone = 0;
  private batchCursor = 0;
  private steps = 0;
  private lossSum = 0;
  private seen = 0;
  private correct = 0;
  private esBest = Infinity;
  private esWait = 0;
  private esBestEpoch = 0;
  private hasBest = false;
  private lastLoss = NaN;
  private bestValLoss = NaN;
  private finished = false;
  private earlyStopped = false;

  constructor(dataset: Dataset, options: TrainingOptions, kernels: Kernels, checkpoint?: Uint8Array) {
    assertTrainingInput(dataset, options, kernels);
    this.o = options;
    this.kernels = kernels;
    this.kernelName = kernels.name;
    const net = options.network;
    this.inSize = net.inputSize;
    this.outSize = outputSize(net);
    this.inputs = dataset.inputs;
    this.targets = dataset.targets;
    this.trainRows = trainRowCount(dataset.samples, options.validationSplit);
    this.valRows = dataset.samples - this.trainRows;
    this.batchSize = Math.min(options.batchSize, this.trainRows);
    this.batchesPerEpoch = Math.ceil(this.trainRows / this.batchSize);
    this.withAccuracy = hasAccuracy(options.loss);
    // Early stopping watches val_loss when asked (the default) and there are validation rows;
    // without validation rows it falls back to the training loss rather than never stopping.
    this.monitorVal = this.valRows > 0 && (options.earlyStopping?.monitor ?? 'val_loss') === 'val_loss';

    const P = parameterCount(net);
    const B = this.batchSize;
    const slotCount = optimizerSlotCount(options.optimizer.type);
    const keepBest = !!options.earlyStopping && options.earlyStopping.restoreBestWeights !== false;
    const shapes = layerShapes(net);
    // Every buffer in one call: a WebAssembly kernel set must hand out all its memory before the
    // first kernel call, and training then allocates nothing per batch.
    const lengths = [P, P];
    for (let s = 0; s < slotCount; s++) lengths.push(P);
    if (keepBest) lengths.push(P);
    lengths.push(B * this.inSize, B * this.outSize);
    for (const s of shapes) lengths.push(B * s.units, B * s.units, B * s.units);
    const buffers = kernels.allocate(lengths);
    let next = 0;
    this.theta = buffers[next++];
    this.grad = buffers[next++];
    const slots = buffers.slice(next, next + slotCount);
    next += slotCount;
    this.best = keepBest ? buffers[next++] : null;
    this.x = buffers[next++];
    this.y = buffers[next++];
    this.layers = createLayers(net, this.theta, this.grad, buffers.slice(next));
    this.optimizer = options.optimizer.type === 'adam'
      ? new Adam(kernels, options.optimizer, slots[0], slots[1])
      : new Sgd(options.optimizer, slots[0]);

    this.order = new Uint32Array(this.trainRows);
    for (let i = 0; i < this.trainRows; i++) this.order[i] = i;
    // Stream 0 initialises (see initializeWeights), stream 1 shuffles: independent, so warm starts
    // shuffle exactly as seeded starts do.
    this.rng = new Rng(options.seed, 1);

    if (checkpoint) {
      this.restore(checkpoint, slotCount);
    } else if (options.initialWeights) {
      weightsToFlat(net, options.initialWeights, this.theta);
    } else {
      initializeFlat(net, options.init ?? 'auto', new Rng(options.seed, 0), this.theta);
    }
  }

  get epoch(): number {
    return this.epochsDone;
  }

  get step(): number {
    return this.steps;
  }

  getWeights(): LayerWeights[] {
    return flatToWeights(this.o.network, this.theta);
  }

  run(callbacks: TrainingCallbacks = {}): TrainingOutcome {
    const epochs = this.o.epochs;
    while (!this.finished && this.epochsDone < epochs) {
      if (this.batchCursor < this.batchesPerEpoch) {
        if (callbacks.shouldStop?.()) return this.outcome('stopped');
        // The order is reshuffled right before an epoch's first batch, so a checkpoint taken at
        // cursor 0 never holds a half-started epoch.
        if (this.batchCursor === 0 && this.o.shuffle) shuffleInPlace(this.order, this.trainRows, this.rng);
        const loss = this.trainBatch(this.batchCursor);
        this.batchCursor++;
        callbacks.onBatch?.({
          epoch: this.epochsDone + 1, batch: this.batchCursor - 1, batchesPerEpoch: this.batchesPerEpoch, batchLoss: loss, step: this.steps,
        });
      } else {
        const metrics = this.finishEpoch();
        callbacks.onEpoch?.(metrics);
      }
    }
    if (!this.finished) {
      // epochs reached (also when epochs is 0): put back the best weights if early stopping keeps them.
      this.finished = true;
      if (this.best && this.hasBest) this.theta.set(this.best);
    }
    return this.outcome(this.earlyStopped ? 'early_stopped' : 'completed');
  }

  private outcome(reason: TrainingOutcome['reason']): TrainingOutcome {
    const out: TrainingOutcome = {
      reason, epochsRun: this.epochsDone, finalLoss: this.lastLoss, stoppedEarly: this.earlyStopped,
    };
    if (!Number.isNaN(this.bestValLoss)) out.bestValLoss = this.bestValLoss;
    return out;
  }

  /** One optimizer step on batch `index` of the current order; returns the batch loss. */
  private trainBatch(index: number): number {
    const B = this.batchSize;
    const start = index * B;
    const rows = Math.min(B, this.trainRows - start);
    this.gather(start, rows);
    const layers = this.layers;
    forwardPass(layers, this.kernels, this.x, rows);
    const last = layers[layers.length - 1];
    // δ^L = ∂C/∂z^L (written into the last layer's dz)
    const loss = computeLoss(this.o.loss, last.activation, last.z, last.a, this.y, rows, this.outSize, last.dz, this.kernels);
    if (!Number.isFinite(loss)) throw new DivergenceError(this.epochsDone + 1, index, 'the loss');
    if (this.withAccuracy) this.correct += countCorrect(this.o.loss, last.a, this.y, rows, this.outSize);
    backwardPass(layers, this.kernels, this.x, rows);
    let scale = 1;
    const clip = this.o.clipNorm;
    if (clip != null) {
      // Global norm clipping: g ← g · clipNorm / max(‖g‖₂, clipNorm)
      const norm = Math.sqrt(sumOfSquares(this.grad));
      scale = clip / Math.max(norm, clip);
    }
    this.steps++;
    this.optimizer.step(this.theta, this.grad, this.steps, scale);
    this.lossSum += loss * rows;
    this.seen += rows;
    return loss;
  }

  /** Copies training rows `order[start … start+rows)` into the batch buffers x and y. */
  private gather(start: number, rows: number): void {
    const inS = this.inSize, outS = this.outSize;
    const inputs = this.inputs, targets = this.targets, x = this.x, y = this.y, order = this.order;
    for (let r = 0; r < rows; r++) {
      const src = order[start + r];
      const xi = src * inS, xo = r * inS;
      for (let k = 0; k < inS; k++) x[xo + k] = inputs[xi + k];
      const yi = src * outS, yo = r * outS;
      for (let k = 0; k < outS; k++) y[yo + k] = targets[yi + k];
    }
  }

  /** Closes the epoch whose batches are all done: metrics, validation, checks, early stopping. */
  private finishEpoch(): EpochMetrics {
    const epoch = this.epochsDone + 1;
    // Epoch loss = Σ batchLoss·rows / Σ rows (Keras' batch-size-weighted mean)
    const loss = this.lossSum / this.seen;
    const metrics: EpochMetrics = { epoch, loss };
    if (this.withAccuracy) metrics.accuracy = this.correct / (this.seen * accuracyUnits(this.o.loss, this.outSize));
    const theta = this.theta;
    if (firstNonFinite(theta) >= 0) throw new DivergenceError(epoch, this.batchesPerEpoch - 1, 'a weight');
    if (this.valRows > 0) {
      const { valLoss, valAccuracy } = this.evaluateValidation();
      if (!Number.isFinite(valLoss)) throw new DivergenceError(epoch, this.batchesPerEpoch - 1, 'the validation loss');
      metrics.valLoss = valLoss;
      if (this.withAccuracy) metrics.valAccuracy = valAccuracy;
      if (Number.isNaN(this.bestValLoss) || valLoss < this.bestValLoss) this.bestValLoss = valLoss;
    }
    this.lastLoss = loss;
    this.epochsDone = epoch;
    this.batchCursor = 0;
    this.lossSum = 0;
    this.seen = 0;
    this.correct = 0;
    const es = this.o.earlyStopping;
    if (es) {
      // Keras EarlyStopping: wait += 1; an improvement is current < best − minDelta (resets wait
      // and records the weights); stop once wait ≥ patience.
      const current = this.monitorVal ? (metrics.valLoss as number) : loss;
      this.esWait++;
      if (current < this.esBest - es.minDelta) {
        this.esBest = current;
        this.esBestEpoch = epoch;
        this.esWait = 0;
        if (this.best) {
          this.best.set(theta);
          this.hasBest = true;
        }
      } else if (this.esWait >= es.patience) {
        this.earlyStopped = true;
        this.finished = true;
        if (this.best && this.hasBest) theta.set(this.best);
      }
    }
    if (!this.finished && this.epochsDone >= this.o.epochs) {
      this.finished = true;
      if (this.best && this.hasBest) theta.set(this.best);
    }
    return metrics;
  }

  /** Mean loss (and accuracy) over the validation rows, in chunks of the batch size. */
  private evaluateValidation(): { valLoss: number; valAccuracy: number } {
    const B = this.batchSize, inS = this.inSize, outS = this.outSize;
    const x = this.x, y = this.y, inputs = this.inputs, targets = this.targets;
    const layers = this.layers;
    const last = layers[layers.length - 1];
    let lossSum = 0, correct = 0;
    for (let start = this.trainRows; start < this.trainRows + this.valRows; start += B) {
      const rows = Math.min(B, this.trainRows + this.valRows - start);
      for (let i = 0; i < rows * inS; i++) x[i] = inputs[start * inS + i];
      for (let i = 0; i < rows * outS; i++) y[i] = targets[start * outS + i];
      forwardPass(layers, this.kernels, x, rows);
      lossSum += rows * computeLoss(this.o.loss, last.activation, last.z, last.a, y, rows, outS, null, this.kernels);
      if (this.withAccuracy) correct += countCorrect(this.o.loss, last.a, y, rows, outS);
    }
    return {
      valLoss: lossSum / this.valRows,
      valAccuracy: correct / (this.valRows * accuracyUnits(this.o.loss, outS)),
    };
  }

  snapshot(): Uint8Array {
    return encodeCheckpoint(this.header(), {
      order: this.order, theta: this.theta, slots: this.optimizer.slots, best: this.best,
    });
  }

  private header(): CheckpointHeader {
    const flags = (this.finished ? FLAG_FINISHED : 0) | (this.earlyStopped ? FLAG_EARLY_STOPPED : 0) | (this.hasBest ? FLAG_HAS_BEST : 0);
    return {
      epoch: this.epochsDone, batch: this.batchCursor, step: this.steps,
      bytesPerNumber: this.o.precision === 'float64' ? 8 : 4, flags, slotCount: this.optimizer.slots.length,
      paramCount: this.theta.length, trainRows: this.trainRows, valRows: this.valRows, batchSize: this.batchSize,
      rngState: this.rng.getState(), lossSum: this.lossSum, seen: this.seen, correct: this.correct,
      esBest: this.esBest, esWait: this.esWait, esBestEpoch: this.esBestEpoch, lastLoss: this.lastLoss, bestValLoss: this.bestValLoss,
    };
  }

  private restore(bytes: Uint8Array, slotCount: number): void {
    const h = decodeCheckpointHeader(bytes);
    const mine = this.header();
    const fields = ['bytesPerNumber', 'slotCount', 'paramCount', 'trainRows', 'valRows', 'batchSize'] as const;
    for (const f of fields) {
      if (h[f] !== mine[f]) throw new ShapeError(`checkpoint does not fit this run: ${f} ${h[f]} ≠ ${mine[f]}`);
    }
    if (h.slotCount !== slotCount || h.batch > this.batchesPerEpoch) throw new ShapeError('checkpoint does not fit this run');
    decodeCheckpointArrays(bytes, h, { order: this.order, theta: this.theta, slots: this.optimizer.slots, best: this.best });
    this.epochsDone = h.epoch;
    this.batchCursor = h.batch;
    this.steps = h.step;
    this.rng.setState(h.rngState);
    this.lossSum = h.lossSum;
    this.seen = h.seen;
    this.correct = h.correct;
    this.esBest = h.esBest;
    this.esWait = h.esWait;
    this.esBestEpoch = h.esBestEpoch;
    this.lastLoss = h.lastLoss;
    this.bestValLoss = h.bestValLoss;
    this.finished = (h.flags & FLAG_FINISHED) !== 0;
    this.earlyStopped = (h.flags & FLAG_EARLY_STOPPED) !== 0;
    this.hasBest = (h.flags & FLAG_HAS_BEST) !== 0;
  }
}

/**
 * Creates a trainer for `dataset` with `options`, running on `kernels` (whose precision must be
 * `options.precision`). With `checkpoint` (from {@link Trainer.snapshot} of the same dataset and
 * options) it continues exactly where that snapshot was taken.
 * @throws ShapeError for data, options, initial weights or a checkpoint that do not fit
 */
export function createTrainer(dataset: Dataset, options: TrainingOptions, kernels: Kernels, checkpoint?: Uint8Array): Trainer {
  return new TrainerImpl(dataset, options, kernels, checkpoint);
}
