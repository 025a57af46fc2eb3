/**
 * The textbook closed forms for a chain of one-neuron layers, worked by hand: x → (w¹, b¹, σ) →
 * (w², b², σ) → C = (a² − y)².
 */
import { describe, expect, it } from 'vitest';
import { computeGradient } from '../../../src/engine/backprop.js';
import { createTrainer } from '../../../src/engine/index.js';
import type { LayerWeights, NetworkSpec } from '../../../src/engine/index.js';
import { kernelVariants, kernelsFor, options } from './helpers.js';

const net: NetworkSpec = { inputSize: 1, layers: [{ units: 1, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }] };
const x = 0.5, y = 1;
const w1 = 0.8, b1 = 0.1, w2 = -0.4, b2 = 0.3;
const weights: LayerWeights[] = [{ W: [[w1]], b: [b1] }, { W: [[w2]], b: [b2] }];
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

// Forward, by hand:
//   z¹ = w¹·x + b¹ = 0.8·0.5 + 0.1 = 0.5          a¹ = σ(0.5) = 0.6224593312018546
//   z² = w²·a¹ + b² = −0.4·0.62246 + 0.3 = 0.0510163   a² = σ(z²) = 0.5127513013917425
//   C = (a² − y)² = 0.23741129429544053
const z1 = w1 * x + b1, a1 = sigmoid(z1);
const z2 = w2 * a1 + b2, a2 = sigmoid(z2);
// Output layer L = 2: σ'(z²) = a²(1 − a²) = 0.24983740431281695, ∂C/∂a² = 2(a² − y) = −0.974497397216515
//   ∂C/∂b² = σ'(z²)·2(a² − y) = −0.24346590023017023
//   ∂C/∂w² = a¹·σ'(z²)·2(a² − y) = −0.1515476214277292
const dCdb2 = a2 * (1 - a2) * 2 * (a2 - y);
const dCdw2 = a1 * dCdb2;
// Layer L − 1 = 1, through the chain rule: δ¹ = σ'(z¹)·w²·δ², σ'(z¹) = a¹(1 − a¹) = 0.2350037122015945
//   ∂C/∂b¹ = δ¹ = 0.2350037·(−0.4)·(−0.2434659) = 0.02288615613943722
//   ∂C/∂w¹ = x·δ¹ = 0.01144307806971861
const dCdb1 = a1 * (1 - a1) * w2 * dCdb2;
const dCdw1 = x * dCdb1;

describe('a chain of one-neuron layers', () => {
  it('has the hand-worked values', () => {
    expect(a2).toBeCloseTo(0.5127513013917425, 15);
    expect(dCdb2).toBeCloseTo(-0.24346590023017023, 15);
    expect(dCdw2).toBeCloseTo(-0.1515476214277292, 15);
    expect(dCdb1).toBeCloseTo(0.02288615613943722, 15);
    expect(dCdw1).toBeCloseTo(0.01144307806971861, 15);
  });

  it.each(kernelVariants())('gives the closed-form ∂C/∂w and ∂C/∂b on $label kernels', ({ name, precision }) => {
    const tol = precision === 'float64' ? 1e-15 : 1e-7;

    const { loss, gradient } = computeGradient(net, 'mse', weights, [x], [y], 1, kernelsFor(name, precision));

    // Flat order: W¹, b¹, W², b²
    expect(Math.abs(loss - (a2 - y) ** 2)).toBeLessThan(tol * 10);
    expect(Math.abs(gradient[0] - dCdw1)).toBeLessThan(tol);
    expect(Math.abs(gradient[1] - dCdb1)).toBeLessThan(tol);
    expect(Math.abs(gradient[2] - dCdw2)).toBeLessThan(tol);
    expect(Math.abs(gradient[3] - dCdb2)).toBeLessThan(tol);
  });

  it('takes one plain SGD step θ − lr·∂C/∂θ in the trainer', () => {
    const lr = 0.5;
    const trainer = createTrainer(
      { samples: 1, inputSize: 1, outputSize: 1, inputs: new Float64Array([x]), targets: new Float64Array([y]) },
      options({ network: net, initialWeights: weights, epochs: 1, batchSize: 1, optimizer: { type: 'sgd', learningRate: lr, momentum: 0, weightDecay: 0 } }),
      kernelsFor('ts', 'float64'),
    );

    const outcome = trainer.run();

    expect(outcome.finalLoss).toBe((a2 - y) ** 2);
    expect(trainer.getWeights()).toEqual([
      { W: [[w1 - lr * dCdw1]], b: [b1 - lr * dCdb1] },
      { W: [[w2 - lr * dCdw2]], b: [b2 - lr * dCdb2] },
    ]);
  });
});
