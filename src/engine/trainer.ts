/**
 * The training loop: epochs of shuffled mini-batches, forward, loss, backward, optional global-norm
 * clipping, one optimizer step per batch; per-epoch metrics, validation, early stopping, divergence
 * checks and exact checkpoints. Every buffer comes from one `kernels.allocate` call at creation,
 * so nothing is allocated per batch. With `threads > 1` (WebAssembly kernels, Adam) each step is
 * split across a team of threads (parallel/training-team.ts) with bit-identical results.
 */
import { decodeCheckpointArrays, decodeCheckpointHeader, encodeCheckpoint } from './checkpoint.js';
import { backwardPass, createLayers, forwardPass } from './backprop.js';
import type { DenseLayer } from './dense-layer.js';
import { DivergenceError, ShapeError } from './errors.js';
import { accuracyUnits, computeLoss, countCorrect, hasAccuracy } from './losses.js';
import { flatToWeights, initializeFlat, layerShapes, outputSize, parameterCount, weightsToFlat } from './network.js';
import { firstNonFinite, sumOfSquares } from './matrix.js';
import { Adam } from './optimizers/adam.js';
import { optimizerSlotCount, type Optimizer } from './optimizers/optimizer.js';
import { Sgd } from './optimizers/sgd.js';
import { createTeam, teamBufferLengths, teamMembers } from './parallel/team-setup.js';
import {
  PHASE_BACKWARD, PHASE_FORWARD, PHASE_GRADIENTS, PHASE_GRADIENTS_AND_STEP, PHASE_OPTIMIZE, type TeamDescriptor, type TrainingTeam,
} from './parallel/training-team.js';
import { Rng, shuffleInPlace } from './rng.js';
import { closeEpoch } from './epoch-end.js';
import { initialRunState, reopenRunState, runStateFromHeader, runStateHeader, type RunShape, type RunState } from './run-state.js';
import { assertTrainingInput, trainRowCount } from './training-input.js';
import type { Trainer, TrainerSettings } from './trainer-api.js';
import type {
  Dataset, EpochMetrics, FloatArray, Kernels, LayerWeights, TrainingCallbacks, TrainingOptions, TrainingOutcome,
} from './types.js';

export { estimateTrainingBytes, trainRowCount } from './training-input.js';
export type { Trainer, TrainerSettings } from './trainer-api.js';

class TrainerImpl implements Trainer {
  readonly kernelName: string;
  readonly threads: number;
  readonly teamDescriptor: TeamDescriptor | null = null;
  private readonly team: TrainingTeam | null = null;
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
  /** Everything scalar that is checkpointed. */
  private st: RunState = initialRunState();

  constructor(dataset: Dataset, options: TrainingOptions, kernels: Kernels, checkpoint?: Uint8Array, settings: TrainerSettings = {}) {
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
    this.threads = teamMembers(kernels, settings.threads, options.optimizer);

    const P = parameterCount(net);
    const B = this.batchSize;
    const slotCount = optimizerSlotCount(options.optimizer.type);
    const keepBest = !!options.earlyStopping && options.earlyStopping.restoreBestWeights !== false;
    // Every buffer in one call: a WebAssembly kernel set must hand out all its memory before the
    // first kernel call, and training then allocates nothing per batch.
    const lengths = [P, P];
    for (let s = 0; s < slotCount; s++) lengths.push(P);
    if (keepBest) lengths.push(P);
    lengths.push(B * this.inSize, B * this.outSize);
    for (const s of layerShapes(net)) lengths.push(B * s.units, B * s.units, B * s.units);
    const teamLengths = teamBufferLengths(kernels, this.threads);
    const buffers = kernels.allocate([...lengths, ...teamLengths]);
    const extra = buffers.splice(lengths.length);
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
    if (this.threads > 1) {
      const built = createTeam(kernels, this.threads, { x: this.x, theta: this.theta, grad: this.grad, slots, layers: this.layers, extra }, options.optimizer);
      this.team = built.team;
      this.teamDescriptor = built.descriptor;
    }

    this.order = new Uint32Array(this.trainRows);
    for (let i = 0; i < this.trainRows; i++) this.order[i] = i;
    // Stream 0 initialises (see initializeWeights), stream 1 shuffles: independent, so warm starts
    // shuffle exactly as seeded starts do.
    this.rng = new Rng(options.seed, 1);

    if (checkpoint) {
      this.restore(checkpoint, slotCount);
      if (settings.continueFinished) this.st = reopenRunState(this.st, options.epochs);
    } else if (options.initialWeights) {
      weightsToFlat(net, options.initialWeights, this.theta);
    } else {
      initializeFlat(net, options.init ?? 'auto', new Rng(options.seed, 0), this.theta);
    }
  }

  get epoch(): number {
    return this.st.epochsDone;
  }

  get step(): number {
    return this.st.steps;
  }

  getWeights(): LayerWeights[] {
    return flatToWeights(this.o.network, this.theta);
  }

  close(): void {
    this.team?.close();
  }

  run(callbacks: TrainingCallbacks = {}): TrainingOutcome {
    const st = this.st;
    while (!st.finished && st.epochsDone < this.o.epochs) {
      if (st.batchCursor < this.batchesPerEpoch) {
        if (callbacks.shouldStop?.()) return this.outcome('stopped');
        // The order is reshuffled right before an epoch's first batch, so a checkpoint taken at
        // cursor 0 never holds a half-started epoch.
        if (st.batchCursor === 0 && this.o.shuffle) shuffleInPlace(this.order, this.trainRows, this.rng);
        const loss = this.trainBatch(st.batchCursor);
        st.batchCursor++;
        callbacks.onBatch?.({
          epoch: st.epochsDone + 1, batch: st.batchCursor - 1, batchesPerEpoch: this.batchesPerEpoch, batchLoss: loss, step: st.steps,
        });
      } else {
        // (not inside `onEpoch?.(…)`: an optional call skips its arguments when there is no hook)
        const metrics = this.finishEpoch();
        callbacks.onEpoch?.(metrics);
      }
    }
    if (!st.finished) {
      // epochs reached (also when epochs is 0): put back the best weights if early stopping keeps them.
      st.finished = true;
      if (this.best && st.hasBest) this.theta.set(this.best);
    }
    return this.outcome(st.earlyStopped ? 'early_stopped' : 'completed');
  }

  private outcome(reason: TrainingOutcome['reason']): TrainingOutcome {
    const st = this.st;
    const out: TrainingOutcome = { reason, epochsRun: st.epochsDone, finalLoss: st.lastLoss, stoppedEarly: st.earlyStopped };
    if (!Number.isNaN(st.bestValLoss)) out.bestValLoss = st.bestValLoss;
    return out;
  }

  /** One optimizer step on batch `index` of the current order; returns the batch loss. */
  private trainBatch(index: number): number {
    const B = this.batchSize, st = this.st, team = this.team;
    const start = index * B;
    const rows = Math.min(B, this.trainRows - start);
    this.gather(start, rows);
    const layers = this.layers;
    if (team) team.run(PHASE_FORWARD, rows);
    else forwardPass(layers, this.kernels, this.x, rows);
    const last = layers[layers.length - 1];
    // δ^L = ∂C/∂z^L (written into the last layer's dz), over the whole batch on this thread
    const loss = computeLoss(this.o.loss, last.activation, last.z, last.a, this.y, rows, this.outSize, last.dz, this.kernels);
    if (!Number.isFinite(loss)) throw new DivergenceError(st.epochsDone + 1, index, 'the loss');
    if (this.withAccuracy) st.correct += countCorrect(this.o.loss, last.a, this.y, rows, this.outSize);
    const clip = this.o.clipNorm;
    if (team) {
      team.run(PHASE_BACKWARD, rows);
      // Without clipping, each thread steps the parameters whose gradients it just computed.
      if (clip == null) {
        team.run(PHASE_GRADIENTS_AND_STEP, rows, ++st.steps, 1);
      } else {
        team.run(PHASE_GRADIENTS, rows);
        team.run(PHASE_OPTIMIZE, rows, ++st.steps, this.clipScale(clip));
      }
    } else {
      backwardPass(layers, this.kernels, this.x, rows);
      this.optimizer.step(this.theta, this.grad, ++st.steps, clip == null ? 1 : this.clipScale(clip));
    }
    st.lossSum += loss * rows;
    st.seen += rows;
    return loss;
  }

  /** Global norm clipping: g ← g · clipNorm / max(‖g‖₂, clipNorm); returns the factor. */
  private clipScale(clip: number): number {
    const norm = Math.sqrt(sumOfSquares(this.grad));
    return clip / Math.max(norm, clip);
  }

  /** Copies training rows `order[start … start+rows)` into the batch buffers x and y. */
  private gather(start: number, rows: number): void {
    const inS = this.inSize, outS = this.outSize;
    const inputs = this.inputs, targets = this.targets, x = this.x, y = this.y, order = this.order;
    for (let r = 0; r < rows; r++) {
      const src = order[start + r];
      x.set(inputs.subarray(src * inS, src * inS + inS), r * inS);
      y.set(targets.subarray(src * outS, src * outS + outS), r * outS);
    }
  }

  /** Closes the epoch whose batches are all done: metrics, validation, checks, early stopping. */
  private finishEpoch(): EpochMetrics {
    const epoch = this.st.epochsDone + 1;
    if (firstNonFinite(this.theta) >= 0) throw new DivergenceError(epoch, this.batchesPerEpoch - 1, 'a weight');
    const validation = this.valRows > 0 ? this.evaluateValidation() : null;
    if (validation && !Number.isFinite(validation.valLoss)) throw new DivergenceError(epoch, this.batchesPerEpoch - 1, 'the validation loss');
    return closeEpoch(this.st, this.o, {
      theta: this.theta, best: this.best, validation, withAccuracy: this.withAccuracy,
      accuracyUnits: accuracyUnits(this.o.loss, this.outSize), monitorVal: this.valRows > 0,
    });
  }

  /** Mean loss (and accuracy) over the validation rows, in chunks of the batch size. */
  private evaluateValidation(): { valLoss: number; valAccuracy: number } {
    const B = this.batchSize, inS = this.inSize, outS = this.outSize;
    const x = this.x, y = this.y, layers = this.layers, team = this.team;
    const last = layers[layers.length - 1];
    let lossSum = 0, correct = 0;
    for (let start = this.trainRows; start < this.trainRows + this.valRows; start += B) {
      const rows = Math.min(B, this.trainRows + this.valRows - start);
      x.set(this.inputs.subarray(start * inS, (start + rows) * inS));
      y.set(this.targets.subarray(start * outS, (start + rows) * outS));
      if (team) team.run(PHASE_FORWARD, rows);
      else forwardPass(layers, this.kernels, x, rows);
      lossSum += rows * computeLoss(this.o.loss, last.activation, last.z, last.a, y, rows, outS, null, this.kernels);
      if (this.withAccuracy) correct += countCorrect(this.o.loss, last.a, y, rows, outS);
    }
    return { valLoss: lossSum / this.valRows, valAccuracy: correct / (this.valRows * accuracyUnits(this.o.loss, outS)) };
  }

  snapshot(): Uint8Array {
    return encodeCheckpoint(runStateHeader(this.st, this.shape(), this.rng.getState()), {
      order: this.order, theta: this.theta, slots: this.optimizer.slots, best: this.best,
    });
  }

  private shape(): RunShape {
    return {
      bytesPerNumber: this.o.precision === 'float64' ? 8 : 4, slotCount: this.optimizer.slots.length,
      paramCount: this.theta.length, trainRows: this.trainRows, valRows: this.valRows, batchSize: this.batchSize,
    };
  }

  private restore(bytes: Uint8Array, slotCount: number): void {
    const h = decodeCheckpointHeader(bytes);
    const mine = this.shape();
    for (const f of Object.keys(mine) as (keyof RunShape)[]) {
      if (h[f] !== mine[f]) throw new ShapeError(`checkpoint does not fit this run: ${f} ${h[f]} ≠ ${mine[f]}`);
    }
    if (h.slotCount !== slotCount || h.batch > this.batchesPerEpoch) throw new ShapeError('checkpoint does not fit this run');
    decodeCheckpointArrays(bytes, h, { order: this.order, theta: this.theta, slots: this.optimizer.slots, best: this.best });
    this.rng.setState(h.rngState);
    this.st = runStateFromHeader(h);
  }
}

/**
 * Creates a trainer for `dataset` with `options`, running on `kernels` (whose precision must be
 * `options.precision`). With `checkpoint` (from {@link Trainer.snapshot} of the same dataset and
 * options) it continues exactly where that snapshot was taken.
 * @throws ShapeError for data, options, initial weights or a checkpoint that do not fit
 */
export function createTrainer(
  dataset: Dataset, options: TrainingOptions, kernels: Kernels, checkpoint?: Uint8Array, settings?: TrainerSettings,
): Trainer {
  return new TrainerImpl(dataset, options, kernels, checkpoint, settings);
}
