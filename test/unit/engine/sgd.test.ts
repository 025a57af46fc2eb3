/**
 * SGD with momentum and clipping by global norm, worked by hand on a = w·x + b, x = 2, y = 2,
 * C = (a − y)², from w = 0.5, b = 0.
 */
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../../src/engine/index.js';
import type { OptimizerOptions } from '../../../src/engine/index.js';
import { kernelsFor, options } from './helpers.js';

const data = { samples: 1, inputSize: 1, outputSize: 1, inputs: new Float64Array([2]), targets: new Float64Array([2]) };

function train(optimizer: OptimizerOptions, epochs: number, clipNorm: number | null = null) {
  const trainer = createTrainer(data, options({
    network: { inputSize: 1, layers: [{ units: 1, activation: 'linear' }] }, epochs, batchSize: 1, clipNorm,
    initialWeights: [{ W: [[0.5]], b: [0] }], optimizer,
  }), kernelsFor('ts', 'float64'));
  trainer.run();
  const [{ W, b }] = trainer.getWeights();
  return { w: W[0][0], b: b[0] };
}

describe('SGD', () => {
  it('takes two hand-worked momentum steps u = μ·u + g, θ −= lr·u', () => {
    // Step 1: a = 1, ∂C/∂a = −2, g = (−4, −2); u = g; w = 0.5 + 0.05·4 = 0.7, b = 0 + 0.05·2 = 0.1
    // Step 2: a = 1.4 + 0.1 = 1.5, ∂C/∂a = −1, g = (−2, −1)
    //   u_w = 0.9·(−4) − 2 = −5.6 → w = 0.7 + 0.05·5.6 = 0.98
    //   u_b = 0.9·(−2) − 1 = −2.8 → b = 0.1 + 0.05·2.8 = 0.24
    const got = train({ type: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 0 }, 2);

    expect(got.w).toBeCloseTo(0.98, 14);
    expect(got.b).toBeCloseTo(0.24, 14);
  });

  it('decays weights and biases before the step: θ −= lr·wd·θ', () => {
    // w = 0.5 − 0.05·0.2·0.5 = 0.495, then + 0.05·4 = 0.695; b = 0 − 0 + 0.1 = 0.1
    const got = train({ type: 'sgd', learningRate: 0.05, momentum: 0, weightDecay: 0.2 }, 1);

    expect(got.w).toBeCloseTo(0.695, 14);
    expect(got.b).toBeCloseTo(0.1, 14);
  });

  it('clips the gradient by its global norm: g · clipNorm / max(‖g‖, clipNorm)', () => {
    // g = (−4, −2), ‖g‖ = √20 = 4.4721…; clipNorm 1 scales g by 1/√20:
    //   w = 0.5 + 0.05·4/√20 = 0.5447213595…, b = 0 + 0.05·2/√20 = 0.0223606797…
    const clipped = train({ type: 'sgd', learningRate: 0.05, momentum: 0, weightDecay: 0 }, 1, 1);
    const loose = train({ type: 'sgd', learningRate: 0.05, momentum: 0, weightDecay: 0 }, 1, 100);

    expect(clipped.w).toBeCloseTo(0.5 + (0.05 * 4) / Math.sqrt(20), 14);
    expect(clipped.b).toBeCloseTo((0.05 * 2) / Math.sqrt(20), 14);
    expect(loose).toEqual({ w: 0.7, b: 0.1 });
  });
});
