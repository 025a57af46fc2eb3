import { describe, expect, it } from 'vitest';
import { computeBatchLoss } from '../../../src/engine/backprop.js';
import {
  checkpointInfo, createTrainer, DivergenceError, encodeWeights, estimateTrainingBytes, predict, ShapeError,
} from '../../../src/engine/index.js';
import type { EpochMetrics, TrainingOptions } from '../../../src/engine/index.js';
import { kernelVariants, kernelsFor, options, randomDataset, XOR } from './helpers.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A run exercising every piece of state: shuffle, validation, early stopping, clipping, AdamW. */
function richOptions(precision: 'float32' | 'float64'): TrainingOptions {
  return options({
    network: { inputSize: 4, layers: [{ units: 6, activation: 'tanh' }, { units: 5, activation: 'relu' }, { units: 3, activation: 'softmax' }] },
    loss: 'cross_entropy', precision, epochs: 9, batchSize: 5, validationSplit: 0.2, seed: 7, clipNorm: 0.5,
    optimizer: { type: 'adam', learningRate: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
    earlyStopping: { monitor: 'val_loss', patience: 3, minDelta: 0, restoreBestWeights: true },
  });
}
const richData = randomDataset(3, 23, 4, 3, 'onehot');

describe.each(kernelVariants())('training on $label kernels', ({ name, precision }) => {
  const o = richOptions(precision);

  function fullRun() {
    const trainer = createTrainer(richData, o, kernelsFor(name, precision));
    const metrics: EpochMetrics[] = [];
    const snapshots: Uint8Array[] = [];
    const outcome = trainer.run({
      onBatch: () => snapshots.push(trainer.snapshot()),
      onEpoch: (m) => { metrics.push(m); snapshots.push(trainer.snapshot()); },
    });
    return { trainer, metrics, snapshots, outcome, weights: hex(encodeWeights(o.network, trainer.getWeights())) };
  }

  it('gives bit-identical weights and metrics for the same seed, and different ones for another seed', () => {
    const a = fullRun(), b = fullRun();
    const other = createTrainer(richData, { ...o, seed: 8 }, kernelsFor(name, precision));
    other.run();

    expect(a.weights).toBe(b.weights);
    expect(a.metrics).toEqual(b.metrics);
    expect(hex(encodeWeights(o.network, other.getWeights()))).not.toBe(a.weights);
  });

  it('resumes bit-identically from a snapshot at every batch and every epoch boundary', () => {
    const ref = fullRun();
    expect(ref.snapshots.length).toBeGreaterThan(ref.metrics.length * 3);

    for (const snap of ref.snapshots) {
      const info = checkpointInfo(snap);
      const resumed = createTrainer(richData, o, kernelsFor(name, precision), snap);
      const metrics: EpochMetrics[] = [];
      const outcome = resumed.run({ onEpoch: (m) => metrics.push(m) });

      expect(hex(encodeWeights(o.network, resumed.getWeights()))).toBe(ref.weights);
      expect(metrics).toEqual(ref.metrics.slice(info.epoch));
      expect(outcome).toEqual(ref.outcome);
      expect(resumed.step).toBe(ref.trainer.step);
    }
  });

  it('continues bit-identically after shouldStop, in the same trainer', () => {
    const ref = fullRun();
    const trainer = createTrainer(richData, o, kernelsFor(name, precision));
    let calls = 0;
    const reasons: string[] = [];
    const metrics: EpochMetrics[] = [];

    for (let i = 0; i < 50; i++) {
      const out = trainer.run({ shouldStop: () => ++calls % 3 === 0, onEpoch: (m) => metrics.push(m) });
      reasons.push(out.reason);
      if (out.reason !== 'stopped') break;
    }

    expect(reasons).toContain('stopped');
    expect(reasons[reasons.length - 1]).toBe(ref.outcome.reason);
    expect(metrics).toEqual(ref.metrics);
    expect(hex(encodeWeights(o.network, trainer.getWeights()))).toBe(ref.weights);
  });

  it('continues a finished run to more epochs with continueFinished, bit-identically to one uninterrupted run, and stays finished without it', () => {
    const plain = { ...o, earlyStopping: null };
    const short = createTrainer(richData, { ...plain, epochs: 4 }, kernelsFor(name, precision));
    short.run();
    const final = short.snapshot();
    const uninterrupted = createTrainer(richData, plain, kernelsFor(name, precision));
    const refMetrics: EpochMetrics[] = [];
    const refOutcome = uninterrupted.run({ onEpoch: (m) => refMetrics.push(m) });

    const continued = createTrainer(richData, plain, kernelsFor(name, precision), final, { continueFinished: true });
    const metrics: EpochMetrics[] = [];
    const outcome = continued.run({ onEpoch: (m) => metrics.push(m) });
    const kept = createTrainer(richData, plain, kernelsFor(name, precision), final);
    const keptOutcome = kept.run();

    expect(hex(encodeWeights(o.network, continued.getWeights()))).toBe(hex(encodeWeights(o.network, uninterrupted.getWeights())));
    expect(metrics).toEqual(refMetrics.slice(4));
    expect(outcome).toEqual(refOutcome);
    expect(continued.step).toBe(uninterrupted.step);
    expect(keptOutcome).toMatchObject({ reason: 'completed', epochsRun: 4 });
    expect(hex(encodeWeights(o.network, kept.getWeights()))).toBe(hex(encodeWeights(o.network, short.getWeights())));
  });

  it('stays within estimateTrainingBytes of ArrayBuffer growth', () => {
    const data = randomDataset(5, 600, 64, 10, 'onehot');
    const big = options({
      network: { inputSize: 64, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }] },
      loss: 'cross_entropy', precision, epochs: 2, batchSize: 32, validationSplit: 0.1,
      earlyStopping: { monitor: 'val_loss', patience: 5, minDelta: 0, restoreBestWeights: true },
    });
    const estimate = estimateTrainingBytes(big.network, data.samples, big.batchSize, precision, 'adam', true);
    // A wasm kernel set's shared linear memory is not in `arrayBuffers` (it reports memoryBytes,
    // and keeps an untouched ballast of the same size there for the GC's accounting), so both
    // the ArrayBuffer growth and the linear memory's growth must stay within the estimate.
    const kernels = kernelsFor(name, precision) as ReturnType<typeof kernelsFor> & { memoryBytes?: number };
    const used = () => process.memoryUsage().arrayBuffers;
    const before = used();
    const linearBefore = kernels.memoryBytes ?? 0;
    let peak = before;
    const sample = () => { peak = Math.max(peak, used()); };

    const trainer = createTrainer(data, big, kernels);
    sample();
    trainer.run({ onBatch: sample, onEpoch: () => { trainer.snapshot(); sample(); } });

    expect(peak - before).toBeGreaterThan(0);
    expect(peak - before).toBeLessThanOrEqual(estimate);
    expect((kernels.memoryBytes ?? 0) - linearBefore).toBeLessThanOrEqual(estimate);
  });
});

describe('createTrainer', () => {
  it('throws DivergenceError with the epoch where the loss overflows', () => {
    // a = w·x + b with x = 1, y = 0 and SGD lr = 2.5: s = w + b becomes s − 2·lr·2s = −9s each
    // epoch, so epoch e's loss is 81^(e−1): finite up to e = 162 (10^307.3), infinite at e = 163.
    const trainer = createTrainer(
      { samples: 1, inputSize: 1, outputSize: 1, inputs: new Float64Array([1]), targets: new Float64Array([0]) },
      options({
        network: { inputSize: 1, layers: [{ units: 1, activation: 'linear' }] }, epochs: 1000, batchSize: 1,
        initialWeights: [{ W: [[1]], b: [0] }], optimizer: { type: 'sgd', learningRate: 2.5, momentum: 0, weightDecay: 0 },
      }),
      kernelsFor('ts', 'float64'),
    );
    let lastEpoch = 0;

    const error = (() => {
      try {
        trainer.run({ onEpoch: (m) => { lastEpoch = m.epoch; } });
      } catch (err) {
        return err;
      }
    })();

    expect(error).toBeInstanceOf(DivergenceError);
    expect(error).toMatchObject({ code: 'diverged', epoch: 163, batch: 0 });
    expect(lastEpoch).toBe(162);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'diverged', message: expect.stringContaining('epoch 163'), epoch: 163, batch: 0 });
  });

  it('detects NaN weights at the end of an epoch', () => {
    // A bias of −∞ behind a relu: z = −∞, a = 0, the loss stays finite and the gradient is 0,
    // so only the end-of-epoch weight check can see it.
    const poisoned = createTrainer(XOR, options({
      network: { inputSize: 2, layers: [{ units: 1, activation: 'relu' }] }, epochs: 3,
      initialWeights: [{ W: [[0, 0]], b: [-Infinity] }],
    }), kernelsFor('ts', 'float64'));

    expect(() => poisoned.run()).toThrow(expect.objectContaining({ code: 'diverged', epoch: 1, batch: 0 }));
  });

  /**
   * Training targets 0, validation targets 1: every step away from the first epoch's weights
   * makes the validation loss worse, so epoch 1 is the best and training stops at 1 + patience (3).
   */
  function worseningValidation() {
    const inputs = new Float64Array(10).map((_, i) => i / 10);
    const targets = new Float64Array(10).map((_, i) => (i >= 8 ? 1 : 0));
    const data = { samples: 10, inputSize: 1, outputSize: 1, inputs, targets };
    const o = options({
      network: { inputSize: 1, layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
      epochs: 50, batchSize: 8, validationSplit: 0.2, shuffle: false, optimizer: { type: 'adam', learningRate: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
      earlyStopping: { monitor: 'val_loss', patience: 3, minDelta: 0, restoreBestWeights: true },
    });
    return { data, o };
  }

  it('stops early and restores the best epoch\'s weights', () => {
    const { data, o } = worseningValidation();
    const trainer = createTrainer(data, o, kernelsFor('ts', 'float64'));
    const perEpoch: { valLoss: number; weights: string }[] = [];

    const outcome = trainer.run({ onEpoch: (m) => perEpoch.push({ valLoss: m.valLoss!, weights: hex(encodeWeights(o.network, trainer.getWeights())) }) });

    const best = perEpoch.reduce((b, e, i) => (e.valLoss < perEpoch[b].valLoss ? i : b), 0);
    expect(outcome).toMatchObject({ reason: 'early_stopped', stoppedEarly: true, epochsRun: best + 1 + 3, bestValLoss: perEpoch[best].valLoss });
    expect(hex(encodeWeights(o.network, trainer.getWeights()))).toBe(perEpoch[best].weights);
    expect(perEpoch[perEpoch.length - 1].weights).toBe(perEpoch[best].weights);
  });

  it('reopens an early-stopped snapshot with continueFinished: a fresh patience window against the best so far', () => {
    // Every step away from the best epoch's weights makes the validation loss worse: the
    // reopened run trains `patience` epochs and stops again.
    const { data, o } = worseningValidation();
    const source = createTrainer(data, o, kernelsFor('ts', 'float64'));
    const stopped = source.run();
    const best = hex(encodeWeights(o.network, source.getWeights()));

    const reopened = createTrainer(data, { ...o, epochs: stopped.epochsRun + 20 }, kernelsFor('ts', 'float64'), source.snapshot(), { continueFinished: true });
    const epochs: number[] = [];
    const outcome = reopened.run({ onEpoch: (m) => epochs.push(m.epoch) });

    expect(stopped).toMatchObject({ reason: 'early_stopped' });
    expect(epochs).toEqual([1, 2, 3].map((i) => stopped.epochsRun + i));
    expect(outcome).toMatchObject({ reason: 'early_stopped', stoppedEarly: true, epochsRun: stopped.epochsRun + 3, bestValLoss: stopped.bestValLoss });
    expect(hex(encodeWeights(o.network, reopened.getWeights()))).toBe(best);
  });

  it('keeps the last weights when restoreBestWeights is false', () => {
    const data = randomDataset(1, 20, 2, 1, 'regression');
    const o = options({
      network: { inputSize: 2, layers: [{ units: 1, activation: 'linear' }] }, epochs: 40, validationSplit: 0.5,
      optimizer: { type: 'sgd', learningRate: 0.5, momentum: 0.9, weightDecay: 0 },
      earlyStopping: { monitor: 'loss', patience: 0, minDelta: 10, restoreBestWeights: false },
    });
    const trainer = createTrainer(data, o, kernelsFor('ts', 'float64'));
    let last = '';

    const outcome = trainer.run({ onEpoch: () => { last = hex(encodeWeights(o.network, trainer.getWeights())); } });

    // minDelta 10 means no epoch after the first counts as an improvement; patience 0 stops at epoch 2.
    expect(outcome).toMatchObject({ reason: 'early_stopped', epochsRun: 2 });
    expect(hex(encodeWeights(o.network, trainer.getWeights()))).toBe(last);
  });

  it('takes the validation rows from the end, before shuffling', () => {
    const data = randomDataset(11, 10, 3, 2, 'regression');
    const net = { inputSize: 3, layers: [{ units: 4, activation: 'tanh' as const }, { units: 2, activation: 'linear' as const }] };
    const o = options({ network: net, epochs: 1, batchSize: 7, validationSplit: 0.3, shuffle: true, seed: 5 });
    const trainer = createTrainer(data, o, kernelsFor('ts', 'float64'));
    const start = trainer.getWeights();
    const metrics: EpochMetrics[] = [];

    trainer.run({ onEpoch: (m) => metrics.push(m) });

    const k = kernelsFor('ts', 'float64');
    // One full batch of the first 7 rows: the epoch loss is the initial weights' loss on them.
    const trainLoss = computeBatchLoss(net, 'mse', start, data.inputs.subarray(0, 21), data.targets.subarray(0, 14), 7, k);
    const valLoss = computeBatchLoss(net, 'mse', trainer.getWeights(), data.inputs.subarray(21), data.targets.subarray(14), 3, k);
    expect(metrics[0].loss).toBeCloseTo(trainLoss, 14);
    expect(metrics[0].valLoss).toBeCloseTo(valLoss, 14);
  });

  it('reports accuracy for classification losses and the batch-size-weighted epoch loss', () => {
    const data = randomDataset(2, 10, 2, 3, 'onehot');
    const net = { inputSize: 2, layers: [{ units: 3, activation: 'softmax' as const }] };
    const o = options({ network: net, loss: 'cross_entropy', epochs: 1, batchSize: 4, shuffle: false, optimizer: { type: 'sgd', learningRate: 1e-300, momentum: 0, weightDecay: 0 } });
    const trainer = createTrainer(data, o, kernelsFor('ts', 'float64'));
    const w = trainer.getWeights();
    const batchLosses: number[] = [];
    const metrics: EpochMetrics[] = [];

    trainer.run({ onBatch: (b) => batchLosses.push(b.batchLoss), onEpoch: (m) => metrics.push(m) });

    // Batches of 4, 4, 2 rows: loss = (4·L0 + 4·L1 + 2·L2)/10
    expect(batchLosses).toHaveLength(3);
    expect(metrics[0].loss).toBeCloseTo((4 * batchLosses[0] + 4 * batchLosses[1] + 2 * batchLosses[2]) / 10, 15);
    const out = predict(net, w, data.inputs, 10);
    let correct = 0;
    for (let r = 0; r < 10; r++) {
      const o3 = Array.from(out.subarray(r * 3, r * 3 + 3)), t3 = Array.from(data.targets.subarray(r * 3, r * 3 + 3));
      if (o3.indexOf(Math.max(...o3)) === t3.indexOf(1)) correct++;
    }
    expect(metrics[0].accuracy).toBe(correct / 10);
  });

  it('rejects data, weights and checkpoints that do not fit, with ShapeError (invalid_data)', () => {
    const k = kernelsFor('ts', 'float64');
    const o = options({ network: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }] } });

    expect(() => createTrainer({ ...XOR, inputSize: 3 }, o, k)).toThrow(ShapeError);
    expect(() => createTrainer({ ...XOR, inputs: new Float64Array([0, 0, 0, 1, 1, 0, 1, NaN]) }, o, k)).toThrow(/not finite/);
    expect(() => createTrainer(XOR, { ...o, initialWeights: [{ W: [[1, 2, 3]], b: [0] }] }, k)).toThrow(ShapeError);
    expect(() => createTrainer(XOR, { ...o, precision: 'float32' }, k)).toThrow(/precision/);
    const snap = createTrainer(XOR, o, k).snapshot();
    expect(() => createTrainer(XOR, { ...o, batchSize: 2 }, k, snap)).toThrow(/batchSize/);
    expect(() => createTrainer(XOR, o, k, snap.subarray(0, 100))).toThrow(ShapeError);
    expect(() => createTrainer(XOR, o, k, new Uint8Array(snap.length))).toThrow(/magic/);
    try {
      createTrainer(XOR, { ...o, network: { inputSize: 2, layers: [{ units: 2, activation: 'softmax' }, { units: 1, activation: 'linear' }] } }, k);
    } catch (err) {
      expect(err).toMatchObject({ code: 'invalid_data', name: 'ShapeError' });
    }
  });

  it('reads a checkpoint header cheaply', () => {
    const trainer = createTrainer(XOR, options({ network: { inputSize: 2, layers: [{ units: 3, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] }, epochs: 3, batchSize: 3, precision: 'float32' }), kernelsFor('ts', 'float32'));
    let mid: Uint8Array | null = null;

    trainer.run({ onBatch: (b) => { if (b.epoch === 2 && b.batch === 0) mid = trainer.snapshot(); } });

    expect(checkpointInfo(mid!)).toEqual({ epoch: 1, batch: 1, step: 3 });
    expect(checkpointInfo(trainer.snapshot())).toEqual({ epoch: 3, batch: 0, step: 6 });
  });

  it('learns XOR', () => {
    const o = options({ network: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] }, epochs: 1500, precision: 'float32' });
    const trainer = createTrainer(XOR, o, kernelsFor('auto', 'float32'));

    const outcome = trainer.run();

    expect(outcome.finalLoss).toBeLessThan(0.01);
    const out = predict(o.network, trainer.getWeights(), XOR.inputs, 4);
    expect(Array.from(out, (v) => Math.round(v))).toEqual([0, 1, 1, 0]);
  });
});
