import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeWeights, encodeWeights, initializeWeights, parameterCount, predict, ShapeError,
} from '../../../src/engine/index.js';
import type { InitName, LayerWeights, NetworkSpec } from '../../../src/engine/index.js';
import { kernelVariants, kernelsFor } from './helpers.js';

const net: NetworkSpec = { inputSize: 3, layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'softmax' }] };

function weightsFrom(values: number[]): LayerWeights[] {
  let i = 0;
  let inSize = net.inputSize;
  return net.layers.map((l) => {
    const W = Array.from({ length: l.units }, () => Array.from({ length: inSize }, () => values[i++]));
    const b = Array.from({ length: l.units }, () => values[i++]);
    inSize = l.units;
    return { W, b };
  });
}

const interesting = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308 / 3, Number.MAX_VALUE, -Number.MAX_VALUE),
);

describe('parameterCount', () => {
  it('counts Σ in×out + out', () => {
    expect(parameterCount(net)).toBe(3 * 4 + 4 + 4 * 2 + 2);
    expect(parameterCount({ inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }] })).toBe(109386);
  });
});

describe('encodeWeights / decodeWeights', () => {
  it('round-trip NaN, ±Infinity, −0 and subnormals bit-exactly', () => {
    fc.assert(fc.property(fc.array(interesting, { minLength: 26, maxLength: 26 }), (values) => {
      const bytes = encodeWeights(net, weightsFrom(values));
      const again = encodeWeights(net, decodeWeights(net, bytes));

      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(again))).toBe(0);
      expect(bytes.byteLength).toBe(26 * 8);
      const back = decodeWeights(net, bytes).flatMap((l) => [...l.W.flat(), ...l.b]);
      back.forEach((v, i) => expect(Object.is(v, values[i])).toBe(true));
    }));
  });

  it('encodes little-endian float64, layer by layer W row-major then b', () => {
    const values = Array.from({ length: 26 }, (_, i) => i + 0.5);

    const bytes = encodeWeights(net, weightsFrom(values));

    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    values.forEach((v, i) => expect(view.getFloat64(i * 8, true)).toBe(v));
  });

  it('decodes views into a shared Buffer pool (byteOffset ≠ 0, unaligned)', () => {
    fc.assert(fc.property(fc.array(interesting, { minLength: 26, maxLength: 26 }), fc.integer({ min: 1, max: 15 }), (values, pad) => {
      const bytes = encodeWeights(net, weightsFrom(values));
      const pool = Buffer.alloc(pad + bytes.length + 3, 0xab);
      Buffer.from(bytes).copy(pool, pad);
      const view = pool.subarray(pad, pad + bytes.length);

      expect(view.byteOffset % 8 === 0 && pad % 8 === 0 ? true : view.byteOffset !== 0).toBe(true);
      expect(Buffer.compare(Buffer.from(encodeWeights(net, decodeWeights(net, view))), Buffer.from(bytes))).toBe(0);
    }));
    // A small Buffer.from() lands in Node's 8 KiB pool at some offset.
    const small = Buffer.from(encodeWeights(net, weightsFrom(Array.from({ length: 26 }, (_, i) => -i))));
    expect(decodeWeights(net, small)[1].b).toEqual([-24, -25]);
  });

  it('checks shapes', () => {
    const w = weightsFrom(Array.from({ length: 26 }, () => 1));

    expect(() => encodeWeights(net, w.slice(0, 1))).toThrow(ShapeError);
    expect(() => encodeWeights(net, [{ W: w[0].W.slice(1), b: w[0].b }, w[1]])).toThrow(/4 rows/);
    expect(() => encodeWeights(net, [w[0], { W: w[1].W, b: [1] }])).toThrow(/2 entries/);
    expect(() => decodeWeights(net, new Uint8Array(25 * 8))).toThrow(/expected 208/);
  });
});

describe('initializeWeights', () => {
  const inits: InitName[] = ['auto', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal'];
  const wide: NetworkSpec = { inputSize: 200, layers: [{ units: 100, activation: 'relu' }, { units: 50, activation: 'tanh' }] };

  it.each(inits)('%s draws the same weights for the same seed, zero biases, and the documented spread', (init) => {
    const a = initializeWeights(wide, init, 1), b = initializeWeights(wide, init, 1), c = initializeWeights(wide, init, 2);

    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((l) => l.b.every((x) => x === 0))).toBe(true);
    const w = a[0].W.flat();
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    const kind = init === 'auto' ? 'he_uniform' : init;
    const expected = Math.sqrt(kind.startsWith('glorot') ? 2 / 300 : kind.startsWith('he') ? 2 / 200 : 1 / 200);
    expect(std / expected).toBeGreaterThan(0.95);
    expect(std / expected).toBeLessThan(1.05);
  });
});

describe('predict', () => {
  it.each(kernelVariants())('computes the forward pass on $label kernels', ({ name, precision }) => {
    const w = weightsFrom(Array.from({ length: 26 }, (_, i) => Math.sin(i)));
    const rows = 300; // more than one internal chunk
    const inputs = new Float64Array(rows * 3).map((_, i) => Math.cos(i));

    const out = predict(net, w, inputs, rows, kernelsFor(name, precision));

    for (const r of [0, 1, 257, 299]) {
      const x = inputs.subarray(r * 3, r * 3 + 3);
      const h = w[0].W.map((row, j) => Math.max(0, row.reduce((s, v, k) => s + v * x[k], w[0].b[j])));
      const z = w[1].W.map((row, j) => row.reduce((s, v, k) => s + v * h[k], w[1].b[j]));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      const sum = e[0] + e[1];
      expect(out[r * 2]).toBeCloseTo(e[0] / sum, precision === 'float64' ? 14 : 6);
      expect(out[r * 2 + 1]).toBeCloseTo(e[1] / sum, precision === 'float64' ? 14 : 6);
    }
  });

  it('rejects inputs of the wrong size', () => {
    expect(() => predict(net, weightsFrom(new Array(26).fill(0)), new Float64Array(5), 2)).toThrow(ShapeError);
  });
});
