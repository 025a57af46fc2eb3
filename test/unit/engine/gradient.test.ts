/**
 * Finite-difference checks of backpropagation (N5): the engine's analytic gradient against central
 * differences of an independent float64 reference implementation of the loss, for every hidden
 * activation × output activation/loss, 1–3 hidden layers, batch 1 and 5, on every kernel set.
 */
import { describe, expect, it } from 'vitest';
import { computeGradient } from '../../../src/engine/backprop.js';
import { initializeWeights } from '../../../src/engine/index.js';
import type { Activation, LayerWeights, LossName, NetworkSpec } from '../../../src/engine/index.js';
import { Rng } from '../../../src/engine/rng.js';
import { kernelVariants, kernelsFor, randomDataset } from './helpers.js';

type Elementwise = Exclude<Activation, 'softmax'>;
const HIDDEN: Elementwise[] = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear'];
const OUTPUTS: { loss: LossName; activation: Activation }[] = [
  ...(['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear', 'softmax'] as const).map((activation) => ({ loss: 'mse' as const, activation })),
  { loss: 'cross_entropy', activation: 'softmax' },
  { loss: 'cross_entropy', activation: 'sigmoid' },
  { loss: 'binary_cross_entropy', activation: 'sigmoid' },
  { loss: 'binary_cross_entropy', activation: 'softmax' },
];
// Fourth-order central differences with h = 1e-4: truncation O(h⁴) ≈ 1e-16 and rounding
// ≈ ε·C/h ≈ 1e-12, where the plain (C(θ+h) − C(θ−h))/2h would need h ≈ 1e-6 and lose ~1e-10 to
// rounding, too much for a 1e-6 relative check of small components. A perturbation of up to 2h
// may move z by 2e-4·|a|, so draws with a ReLU z within 1e-3 of its kink are redrawn.
const KINK_MARGIN = 1e-3;
const H = 1e-4;

function act(name: Activation, z: number[]): number[] {
  if (name === 'softmax') {
    const max = Math.max(...z);
    const e = z.map((x) => Math.exp(x - max));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((x) => x / s);
  }
  return z.map((x) => {
    switch (name) {
      case 'sigmoid': return 1 / (1 + Math.exp(-x));
      case 'tanh': return Math.tanh(x);
      case 'relu': return Math.max(0, x);
      case 'leaky_relu': return x > 0 ? x : 0.01 * x;
      default: return x;
    }
  });
}

/** The loss in plain float64 JS, straight from the definitions of docs/mathematics.md; also the nearest ReLU kink. */
function referenceLoss(net: NetworkSpec, loss: LossName, w: LayerWeights[], x: Float64Array, y: Float64Array, rows: number): { value: number; kink: number } {
  let total = 0;
  let kink = Infinity;
  const out = net.layers[net.layers.length - 1].units;
  for (let r = 0; r < rows; r++) {
    let a = Array.from(x.subarray(r * net.inputSize, (r + 1) * net.inputSize));
    net.layers.forEach((layer, l) => {
      const z = w[l].W.map((row, j) => row.reduce((s, wjk, k) => s + wjk * a[k], w[l].b[j]));
      if (layer.activation === 'relu' || layer.activation === 'leaky_relu') for (const zj of z) kink = Math.min(kink, Math.abs(zj));
      a = act(layer.activation, z);
    });
    const t = Array.from(y.subarray(r * out, (r + 1) * out));
    for (let j = 0; j < out; j++) {
      if (loss === 'mse') total += (a[j] - t[j]) ** 2 / out;
      else if (loss === 'cross_entropy') total -= t[j] === 0 ? 0 : t[j] * Math.log(a[j]);
      else total -= (t[j] * Math.log(a[j]) + (1 - t[j]) * Math.log(1 - a[j])) / out;
    }
  }
  return { value: total / rows, kink };
}

function flatten(w: LayerWeights[]): { get(i: number): number; set(i: number, v: number): void; length: number } {
  const refs: [number[], number][] = [];
  for (const layer of w) {
    for (const row of layer.W) for (let k = 0; k < row.length; k++) refs.push([row, k]);
    for (let j = 0; j < layer.b.length; j++) refs.push([layer.b, j]);
  }
  return { get: (i) => refs[i][0][refs[i][1]], set: (i, v) => { refs[i][0][refs[i][1]] = v; }, length: refs.length };
}

interface Case { name: string; net: NetworkSpec; loss: LossName; rows: number; seed: number }

function cases(): Case[] {
  const out: Case[] = [];
  let seed = 1;
  for (const hidden of HIDDEN) {
    for (const o of OUTPUTS) {
      for (const depth of [1, 2, 3]) {
        for (const rows of [1, 5]) {
          const layers = Array.from({ length: depth }, (_, i) => ({ units: 3 + i, activation: hidden as Activation }));
          layers.push({ units: o.activation === 'softmax' || o.loss === 'cross_entropy' ? 3 : 2, activation: o.activation });
          out.push({ name: `${hidden} ×${depth} → ${o.activation} + ${o.loss}, batch ${rows}`, net: { inputSize: 3, layers }, loss: o.loss, rows, seed: seed++ });
        }
      }
    }
  }
  return out;
}

/** Draws weights and data away from ReLU kinks (redrawing until every relu z is ≥ 1e-4 from 0). */
function setUp(c: Case) {
  for (let attempt = 0; ; attempt++) {
    const seed = c.seed * 1000 + attempt;
    const weights = initializeWeights(c.net, 'glorot_uniform', seed);
    const rng = new Rng(seed, 3);
    for (const l of weights) for (let j = 0; j < l.b.length; j++) l.b[j] = 0.2 * (rng.nextFloat() - 0.5);
    const outUnits = c.net.layers[c.net.layers.length - 1].units;
    const kind = c.loss === 'cross_entropy' ? 'onehot' : c.loss === 'binary_cross_entropy' ? 'binary' : 'regression';
    const data = randomDataset(seed, c.rows, c.net.inputSize, outUnits, kind);
    const ref = referenceLoss(c.net, c.loss, weights, data.inputs, data.targets, c.rows);
    if (ref.kink > KINK_MARGIN && Number.isFinite(ref.value)) return { weights, data, ref };
  }
}

/** Central differences of the reference loss: (C(θ−2h) − 8C(θ−h) + 8C(θ+h) − C(θ+2h)) / 12h. */
function numericGradient(c: Case, weights: LayerWeights[], x: Float64Array, y: Float64Array): Float64Array {
  const w = structuredClone(weights);
  const flat = flatten(w);
  const g = new Float64Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const orig = flat.get(i);
    const at = (delta: number) => {
      flat.set(i, orig + delta);
      return referenceLoss(c.net, c.loss, w, x, y, c.rows).value;
    };
    g[i] = (at(-2 * H) - 8 * at(-H) + 8 * at(H) - at(2 * H)) / (12 * H);
    flat.set(i, orig);
  }
  return g;
}

/** max over components of |a − n| / max(|a|, |n|), components below `floor` compared absolutely. */
function maxRelativeError(analytic: Float64Array, numeric: Float64Array, floor: number): number {
  let worst = 0;
  for (let i = 0; i < analytic.length; i++) {
    const scale = Math.max(Math.abs(analytic[i]), Math.abs(numeric[i]), floor);
    worst = Math.max(worst, Math.abs(analytic[i] - numeric[i]) / scale);
  }
  return worst;
}

const ALL = cases().map((c) => ({ c, ...setUp(c) })).map((s) => ({ ...s, numeric: numericGradient(s.c, s.weights, s.data.inputs, s.data.targets) }));

describe.each(kernelVariants())('backpropagation on $label kernels', ({ name, precision }) => {
  // float64: the 1e-6; float32 kernels round every stored value to 24 bits.
  const tolerance = precision === 'float64' ? 1e-6 : 2e-3;
  // Components below the floor (dead units, saturated sigmoids) are compared absolutely: 1e-6 × floor.
  const floor = precision === 'float64' ? 1e-5 : 1e-3;

  it(`matches central differences within ${tolerance} relative error for every activation × loss, 1–3 hidden layers, batch 1 and 5`, () => {
    const failures: string[] = [];
    let worst = 0;

    for (const { c, weights, data, ref, numeric } of ALL) {
      const { loss, gradient } = computeGradient(c.net, c.loss, weights, data.inputs, data.targets, c.rows, kernelsFor(name, precision));
      const err = maxRelativeError(gradient, numeric, floor);
      worst = Math.max(worst, err);
      if (err > tolerance) failures.push(`${c.name}: relative error ${err.toExponential(2)}`);
      if (Math.abs(loss - ref.value) > (precision === 'float64' ? 1e-12 : 1e-5) * Math.max(1, Math.abs(ref.value))) {
        failures.push(`${c.name}: loss ${loss} ≠ reference ${ref.value}`);
      }
    }

    expect(ALL.length).toBe(300);
    expect(failures).toEqual([]);
    expect(worst).toBeLessThanOrEqual(tolerance);
  });
});
