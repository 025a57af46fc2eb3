/**
 * Against TensorFlow.js (cpu backend): the same float32 initial weights (our W[j][k] is the
 * transpose of its kernel[k][j]), data, Adam hyperparameters (epsilon passed explicitly: TF.js
 * defaults to 1e-7) and no shuffle, full-batch and mini-batch (with a smaller last batch). Final
 * weights must agree within 1e-4 absolute + 1e-3 relative, the first epoch's loss within 1e-5.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, initializeWeights } from '../../../src/engine/index.js';
import type { EpochMetrics, LayerWeights, LossName, NetworkSpec } from '../../../src/engine/index.js';
import { kernelVariants, kernelsFor, options, randomDataset, type Dataset64 } from './helpers.js';

const TF_LOSS: Record<LossName, string> = {
  mse: 'meanSquaredError', cross_entropy: 'categoricalCrossentropy', binary_cross_entropy: 'binaryCrossentropy',
};
const EPOCHS = 15;
const ADAM = { type: 'adam' as const, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

interface Case { name: string; net: NetworkSpec; loss: LossName; data: Dataset64; weights: LayerWeights[]; batchSize: number }

function fround(w: LayerWeights[]): LayerWeights[] {
  return w.map((l) => ({ W: l.W.map((r) => r.map(Math.fround)), b: l.b.map(Math.fround) }));
}

function makeCase(name: string, net: NetworkSpec, loss: LossName, kind: 'regression' | 'onehot' | 'binary', seed: number, batchSize: number): Case {
  const data = randomDataset(seed, 20, net.inputSize, net.layers[net.layers.length - 1].units, kind);
  data.inputs.forEach((v, i) => { data.inputs[i] = Math.fround(v); });
  // Regression targets in [0, 1] for sigmoid outputs.
  if (kind === 'regression') data.targets.forEach((v, i) => { data.targets[i] = Math.fround((v + 1) / 2); });
  return { name, net, loss, data, weights: fround(initializeWeights(net, 'glorot_uniform', seed)), batchSize };
}

const CASES: Case[] = [20, 8].flatMap((batchSize) => [
  makeCase(`tanh → sigmoid + mse, batch ${batchSize}`,
    { inputSize: 3, layers: [{ units: 6, activation: 'tanh' }, { units: 2, activation: 'sigmoid' }] }, 'mse', 'regression', 1, batchSize),
  makeCase(`relu → softmax + cross_entropy, batch ${batchSize}`,
    { inputSize: 4, layers: [{ units: 8, activation: 'relu' }, { units: 3, activation: 'softmax' }] }, 'cross_entropy', 'onehot', 2, batchSize),
  makeCase(`sigmoid → sigmoid + binary_cross_entropy, batch ${batchSize}`,
    { inputSize: 3, layers: [{ units: 5, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }] }, 'binary_cross_entropy', 'binary', 3, batchSize),
]);

async function trainTf(c: Case): Promise<{ losses: number[]; weights: LayerWeights[] }> {
  const model = tf.sequential();
  let inSize = c.net.inputSize;
  for (const layer of c.net.layers) {
    model.add(tf.layers.dense({ units: layer.units, activation: layer.activation as 'relu', inputShape: [inSize] }));
    inSize = layer.units;
  }
  model.layers.forEach((layer, l) => {
    const { W, b } = c.weights[l];
    // kernel[k][j] = W[j][k]
    const kernel = W[0].map((_, k) => W.map((row) => row[k]));
    layer.setWeights([tf.tensor2d(kernel), tf.tensor1d(b)]);
  });
  model.compile({ optimizer: tf.train.adam(ADAM.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon), loss: TF_LOSS[c.loss] });
  const x = tf.tensor2d(Float32Array.from(c.data.inputs), [c.data.samples, c.data.inputSize]);
  const y = tf.tensor2d(Float32Array.from(c.data.targets), [c.data.samples, c.data.outputSize]);
  const history = await model.fit(x, y, { epochs: EPOCHS, batchSize: c.batchSize, shuffle: false, verbose: 0 });
  const weights = model.layers.map((layer) => {
    const [kernel, bias] = layer.getWeights().map((t) => t.arraySync());
    const k = kernel as number[][];
    return { W: k[0].map((_, j) => k.map((row) => row[j])), b: bias as number[] };
  });
  tf.dispose([x, y]);
  model.dispose();
  return { losses: history.history.loss as number[], weights };
}

const reference = new Map<string, { losses: number[]; weights: LayerWeights[] }>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const c of CASES) reference.set(c.name, await trainTf(c));
}, 60_000);

describe.each(kernelVariants())('against TensorFlow.js (cpu) on $label kernels', ({ name, precision }) => {
  it.each(CASES)('$name: same first-epoch loss and final weights', (c) => {
    const ref = reference.get(c.name)!;
    const trainer = createTrainer(c.data, options({
      network: c.net, loss: c.loss, precision, epochs: EPOCHS, batchSize: c.batchSize, shuffle: false,
      initialWeights: c.weights, optimizer: ADAM,
    }), kernelsFor(name, precision));
    const metrics: EpochMetrics[] = [];

    trainer.run({ onEpoch: (m) => metrics.push(m) });

    expect(Math.abs(metrics[0].loss - ref.losses[0]) / Math.abs(ref.losses[0])).toBeLessThanOrEqual(1e-5);
    metrics.forEach((m, i) => expect(Math.abs(m.loss - ref.losses[i]) / Math.abs(ref.losses[i])).toBeLessThanOrEqual(1e-4));
    const ours = trainer.getWeights();
    let worst = 0;
    ours.forEach((l, li) => {
      const theirs = ref.weights[li];
      l.W.forEach((row, j) => row.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - theirs.W[j][k]) - 1e-3 * Math.abs(theirs.W[j][k])); }));
      l.b.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - theirs.b[j]) - 1e-3 * Math.abs(theirs.b[j])); });
    });
    expect(worst).toBeLessThanOrEqual(1e-4);
    // The runs really moved the weights (so agreement is not trivial).
    expect(Math.abs(ours[0].W[0][0] - c.weights[0].W[0][0])).toBeGreaterThan(1e-3);
  });
});
