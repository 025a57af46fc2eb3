/**
 * Adam (AdamW, docs/mathematics.md) worked two steps by hand, with and without decoupled weight decay, on a
 * one-neuron linear model a = w·x + b, x = 2, y = 2, C = (a − y)², lr = 0.1, β1 = 0.9, β2 = 0.999,
 * ε = 1e-8, starting from w = 0.5, b = 0.
 */
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../../src/engine/index.js';
import type { NetworkSpec } from '../../../src/engine/index.js';
import { kernelVariants, kernelsFor, options } from './helpers.js';

const net: NetworkSpec = { inputSize: 1, layers: [{ units: 1, activation: 'linear' }] };
const data = { samples: 1, inputSize: 1, outputSize: 1, inputs: new Float64Array([2]), targets: new Float64Array([2]) };
const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;

function train(weightDecay: number, name = 'ts', precision: 'float32' | 'float64' = 'float64') {
  const trainer = createTrainer(data, options({
    network: net, precision, epochs: 2, batchSize: 1, initialWeights: [{ W: [[0.5]], b: [0] }],
    optimizer: { type: 'adam', learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay },
  }), kernelsFor(name, precision));
  trainer.run();
  const [{ W, b }] = trainer.getWeights();
  return { w: W[0][0], b: b[0], step: trainer.step };
}

// Step 1 (t = 1): a = 0.5·2 + 0 = 1, ∂C/∂a = 2(1 − 2) = −2, g_w = −2·x = −4, g_b = −2
//   w: m = 0.1·(−4) = −0.4        v = 0.001·16 = 0.016
//      m̂ = −0.4/(1 − 0.9) = −4     v̂ = 0.016/(1 − 0.999) = 16
//      w = 0.5 − 0.1·(−4)/(4 + 1e-8) = 0.5 + 0.09999999975 = 0.59999999975
//   b: m = −0.2, v = 0.004, m̂ = −2, v̂ = 4, b = 0 + 0.1·2/(2 + 1e-8) = 0.0999999995
const w1 = 0.5 - (lr * (-0.4 / 0.1)) / (Math.sqrt(0.016 / 0.001) + eps);
const bias1 = 0 - (lr * (-0.2 / 0.1)) / (Math.sqrt(0.004 / 0.001) + eps);
// Step 2 (t = 2): a = 0.59999999975·2 + 0.0999999995 = 1.2999999990, ∂C/∂a = 2(a − 2) = −1.400000002
//   g_w = −2.800000004, g_b = −1.400000002
//   w: m = 0.9·(−0.4) + 0.1·g_w = −0.6400000004     v = 0.999·0.016 + 0.001·g_w² = 0.0238240000224
//      m̂ = m/(1 − 0.81) = −3.368421054…            v̂ = v/(1 − 0.998001) = 11.917958991…, sqrt = 3.45223971
//      w = w1 − 0.1·m̂/(sqrt(v̂) + 1e-8) = 0.59999999975 + 0.0975720498 = 0.6975720495
const a2 = w1 * 2 + bias1;
const gw2 = 2 * (a2 - 2) * 2, gb2 = 2 * (a2 - 2);
const mw2 = 0.9 * -0.4 + 0.1 * gw2, vw2 = 0.999 * 0.016 + 0.001 * gw2 * gw2;
const mb2 = 0.9 * -0.2 + 0.1 * gb2, vb2 = 0.999 * 0.004 + 0.001 * gb2 * gb2;
const w2 = w1 - (lr * (mw2 / (1 - 0.9 ** 2))) / (Math.sqrt(vw2 / (1 - 0.999 ** 2)) + eps);
const bias2 = bias1 - (lr * (mb2 / (1 - 0.9 ** 2))) / (Math.sqrt(vb2 / (1 - 0.999 ** 2)) + eps);

describe('Adam', () => {
  it('has the hand-worked intermediate values', () => {
    expect(w1).toBeCloseTo(0.59999999975, 12);
    expect(bias1).toBeCloseTo(0.0999999995, 12);
    expect(mw2).toBeCloseTo(-0.6400000004, 12);
    expect(vw2).toBeCloseTo(0.0238240000224, 12);
    expect(w2).toBeCloseTo(0.6975720495, 10);
  });

  it('takes the two hand-worked steps exactly', () => {
    const got = train(0);

    expect(got.step).toBe(2);
    expect(got.w).toBeCloseTo(w2, 14);
    expect(got.b).toBeCloseTo(bias2, 14);
  });

  // With weightDecay = 0.5, before each Adam step θ −= lr·wd·θ (biases too, as PyTorch's AdamW):
  //   step 1: w = 0.5 − 0.1·0.5·0.5 = 0.475, then the same Adam update (+0.09999999975) = 0.57499999975
  //           b = 0 − 0 = 0, then + 0.0999999995
  //   step 2: w = 0.57499999975·(1 − 0.05) − Adam(g at the decayed step-1 weights)
  it('applies decoupled weight decay θ −= lr·wd·θ before each step, biases included', () => {
    const wd = 0.5;
    const dw1 = 0.5 * (1 - lr * wd) - (lr * (-0.4 / 0.1)) / (4 + eps);
    const db1 = bias1;
    const a = dw1 * 2 + db1;
    const gw = 2 * (a - 2) * 2, gb = 2 * (a - 2);
    const mw = 0.9 * -0.4 + 0.1 * gw, vw = 0.999 * 0.016 + 0.001 * gw * gw;
    const mb = 0.9 * -0.2 + 0.1 * gb, vb = 0.999 * 0.004 + 0.001 * gb * gb;
    const dw2 = dw1 * (1 - lr * wd) - (lr * (mw / 0.19)) / (Math.sqrt(vw / (1 - 0.999 ** 2)) + eps);
    const db2 = db1 * (1 - lr * wd) - (lr * (mb / 0.19)) / (Math.sqrt(vb / (1 - 0.999 ** 2)) + eps);

    const got = train(wd);

    expect(dw1).toBeCloseTo(0.57499999975, 12);
    expect(got.w).toBeCloseTo(dw2, 13);
    expect(got.b).toBeCloseTo(db2, 13);
    expect(got.b).not.toBeCloseTo(bias2, 4);
  });

  it.each(kernelVariants())('takes the same two steps on $label kernels', ({ name, precision }) => {
    const got = train(0, name, precision);

    const tol = precision === 'float64' ? 1e-14 : 1e-6;
    expect(Math.abs(got.w - w2)).toBeLessThan(tol);
    expect(Math.abs(got.b - bias2)).toBeLessThan(tol);
  });
});
