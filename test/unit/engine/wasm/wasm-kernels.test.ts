import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Activation, FloatArray, Kernels, Precision } from '../../../../src/engine/types.js';
import { createTsKernels } from '../../../../src/engine/kernels/ts-kernels.js';
import { createWasmKernels, wasmKernelStatus, type WasmVariant } from '../../../../src/engine/kernels/wasm/index.js';
import { enableWasmFeatures } from '../../../../src/wasm-features.js';

const VARIANTS: WasmVariant[] = ['wasm-simd', 'wasm-relaxed-simd'];
const PRECISIONS: Precision[] = ['float32', 'float64'];
const SIZES = [1, 3, 5, 17, 63, 130];
const EPS: Record<Precision, number> = { float32: 2 ** -23, float64: 2 ** -52 };

/** A small deterministic PRNG (mulberry32) giving values in [−1, 1). */
function createRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  };
}

function fill(random: () => number, ...arrays: FloatArray[]): void {
  for (const x of arrays) for (let i = 0; i < x.length; i++) x[i] = random();
}

/** The same data in a ts kernel set's buffers and a wasm kernel set's buffers. */
function twin<A extends FloatArray>(wasm: Kernels<A>, ts: Kernels, lengths: number[], random: () => number): { w: A[]; t: FloatArray[] } {
  const w = wasm.allocate(lengths);
  const t = ts.allocate(lengths);
  fill(random, ...w);
  w.forEach((x, i) => t[i].set(x));
  return { w, t };
}

/**
 * Asserts `|got − want| ≤ bound[i]` element-wise (`bound` is a number or a per-element array),
 * reporting the first offender.
 */
function expectClose(got: FloatArray, want: FloatArray, bound: number | ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = typeof bound === 'number' ? bound : bound[i];
    if (!(Math.abs(got[i] - want[i]) <= tol) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      expect.fail(`element ${i}: ${got[i]} vs ${want[i]} (tolerance ${tol})`);
    }
  }
}

/** Rounding bound for a k-term dot product in both kernels: (k + 2)·ε·Σ|a||b| per element, ×2. */
function productBound(absProducts: Float64Array, k: number, precision: Precision): Float64Array {
  return absProducts.map((s) => 2 * (k + 2) * EPS[precision] * s + 1e-300);
}

/** Σ_p |A(i,p)|·|B(p,j)| for C = op(A)·op(B), in f64. */
function absProduct(a: FloatArray, b: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a[p * m + i] : a[i * k + p];
        const y = transB ? b[j * k + p] : b[p * n + j];
        s += Math.abs(x * y);
      }
      out[i * n + j] = s;
    }
  }
  return out;
}

beforeAll(() => {
  enableWasmFeatures();
});

describe('wasm kernels availability', () => {
  it('reports both variants available once the wasm features are enabled', () => {
    expect(wasmKernelStatus('wasm-simd')).toEqual({ available: true });
    expect(wasmKernelStatus('wasm-relaxed-simd')).toEqual({ available: true });
  });
});

for (const variant of VARIANTS) {
  for (const precision of PRECISIONS) {
    describe(`${variant} ${precision}`, () => {
      const ts = createTsKernels(precision);

      it('names itself and its precision', () => {
        const k = createWasmKernels(variant, precision);

        expect(k.name).toBe(variant);
        expect(k.precision).toBe(precision);
      });

      for (const op of ['matMul', 'matMulTransA', 'matMulTransB'] as const) {
        it(`${op} matches the ts kernel for every m, k, n in {${SIZES.join(', ')}}`, () => {
          const random = createRandom(op.length * 1000 + precision.length);
          const wasm = createWasmKernels(variant, precision);
          const max = SIZES[SIZES.length - 1];
          const { w, t } = twin(wasm, ts, [max * max, max * max, max * max], random);

          for (const m of SIZES) {
            for (const k of SIZES) {
              for (const n of SIZES) {
                const [wa, wb, wc] = w;
                const [ta, tb, tc] = t;
                wc.fill(Number.NaN);
                wasm[op](wa, wb, wc, m, k, n);
                ts[op](ta, tb, tc, m, k, n);

                const bound = productBound(absProduct(ta, tb, m, k, n, op === 'matMulTransA', op === 'matMulTransB'), k, precision);
                expectClose(wc.subarray(0, m * n), tc.subarray(0, m * n), bound);
                // Nothing past C[m×n] is written.
                expect(Number.isNaN(wc[m * n]) || m * n === wc.length).toBe(true);
              }
            }
          }
        });
      }

      it('gives matMulTransA the same bits when B’s rows are a multiple of 1 KiB apart (B copied in panels)', () => {
        const random = createRandom(57);
        const wasm = createWasmKernels(variant, precision);
        const [m, k, n] = [36, 40, 512];
        const [a, b, c, panel, part] = wasm.allocate([k * m, k * n, m * n, k * 8, m * 8]);
        fill(random, a, b);

        wasm.matMulTransA(a, b, c, m, k, n);

        // Eight columns at a time, B's rows 8 numbers apart: the plain strided product.
        for (let j = 0; j < n; j += 8) {
          for (let p = 0; p < k; p++) panel.set(b.subarray(p * n + j, p * n + j + 8), p * 8);
          wasm.matMulTransA(a, panel, part, m, k, 8);
          for (let i = 0; i < m; i++) expect(Array.from(c.subarray(i * n + j, i * n + j + 8))).toEqual(Array.from(part.subarray(i * 8, i * 8 + 8)));
        }
      });

      it('keeps long products right (21×4001×9)', () => {
        const random = createRandom(31);
        const wasm = createWasmKernels(variant, precision);
        const [m, k, n] = [21, 4001, 9];

        for (const op of ['matMul', 'matMulTransA', 'matMulTransB'] as const) {
          const { w, t } = twin(wasm, ts, [m * k, k * n, m * n], random);
          wasm[op](w[0], w[1], w[2], m, k, n);
          ts[op](t[0], t[1], t[2], m, k, n);

          const bound = productBound(absProduct(t[0], t[1], m, k, n, op === 'matMulTransA', op === 'matMulTransB'), k, precision);
          expectClose(w[2], t[2], bound);
        }
      });

      for (const activation of ['linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'softmax'] as Activation[]) {
        it(`biasActivation ${activation} matches the ts kernel`, () => {
          const random = createRandom(activation.length);
          const wasm = createWasmKernels(variant, precision);
          for (const [rows, cols] of [[1, 1], [3, 5], [17, 10], [63, 130], [2, 1]]) {
            const { w, t } = twin(wasm, ts, [rows * cols, cols, rows * cols], () => 4 * random());

            wasm.biasActivation(w[0], w[1], w[2], rows, cols, activation);
            ts.biasActivation(t[0], t[1], t[2], rows, cols, activation);

            // z += b is one correctly rounded addition in both.
            expect(Array.from(w[0])).toEqual(Array.from(t[0]));
            expectClose(w[2], t[2], 4 * EPS[precision]);
          }
        });
      }

      for (const activation of ['linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu'] as const) {
        it(`activationBackward ${activation} matches the ts kernel`, () => {
          const random = createRandom(activation.length + 7);
          const wasm = createWasmKernels(variant, precision);
          for (const length of SIZES) {
            const { w, t } = twin(wasm, ts, [length, length, length], random);

            wasm.activationBackward(w[0], w[1], w[2], length, activation);
            ts.activationBackward(t[0], t[1], t[2], length, activation);

            if (precision === 'float64' || activation === 'linear' || activation === 'relu') {
              expect(Array.from(w[0])).toEqual(Array.from(t[0]));
            } else {
              expectClose(w[0], t[0], 4 * EPS[precision]);
            }
          }
        });
      }

      it('sumRows gives the ts kernel\'s sums exactly (same order)', () => {
        const random = createRandom(99);
        const wasm = createWasmKernels(variant, precision);
        for (const rows of SIZES) {
          for (const cols of SIZES) {
            const { w, t } = twin(wasm, ts, [rows * cols, cols], random);

            wasm.sumRows(w[0], w[1], rows, cols);
            ts.sumRows(t[0], t[1], rows, cols);

            expect(Array.from(w[1])).toEqual(Array.from(t[1]));
          }
        }
      });

      it('adamStep matches the ts kernel over several steps, with weight decay and clipping', () => {
        const random = createRandom(7);
        const wasm = createWasmKernels(variant, precision);
        for (const length of SIZES) {
          const { w, t } = twin(wasm, ts, [length, length, length, length], random);
          w[2].fill(0); w[3].fill(0); t[2].fill(0); t[3].fill(0);

          for (let step = 1; step <= 3; step++) {
            wasm.adamStep(w[0], w[1], w[2], w[3], length, 0.01, 0.9, 0.999, 1e-8, step === 2 ? 0.1 : 0, step, step === 3 ? 0.5 : 1);
            ts.adamStep(t[0], t[1], t[2], t[3], length, 0.01, 0.9, 0.999, 1e-8, step === 2 ? 0.1 : 0, step, step === 3 ? 0.5 : 1);
          }

          if (precision === 'float64') {
            // The same operations in the same order: bit-identical.
            for (let i = 0; i < 4; i++) expect(Array.from(w[i])).toEqual(Array.from(t[i]));
          } else {
            expectClose(w[0], t[0], 1e-6);
            expectClose(w[2], t[2], 1e-6);
            expectClose(w[3], t[3], 1e-6);
          }
        }
      });

      it('gives bit-identical results run after run and in a fresh kernel set', () => {
        const results: number[][] = [];
        for (let run = 0; run < 3; run++) {
          const wasm = createWasmKernels(variant, precision);
          const random = createRandom(5);
          const [a, b, c, bias, out] = wasm.allocate([63 * 130, 130 * 17, 63 * 17, 17, 63 * 17]);
          fill(random, a, b, bias);
          for (let rep = 0; rep < 2; rep++) {
            wasm.matMul(a, b, c, 63, 130, 17);
            wasm.biasActivation(c, bias, out, 63, 17, 'softmax');
            results.push(Array.from(out));
          }
        }

        for (const r of results) expect(r).toEqual(results[0]);
      });
    });
  }
}

describe('WasmKernels.allocate', () => {
  it('returns zero-filled, 64-byte-aligned views of the requested lengths', () => {
    const k = createWasmKernels('wasm-simd', 'float32');

    const views = k.allocate([1, 3, 0, 17]);

    expect(views.map((v) => v.length)).toEqual([1, 3, 0, 17]);
    for (const v of views) {
      expect(v.byteOffset % 64).toBe(0);
      expect(v.every((x) => x === 0)).toBe(true);
    }
  });

  it('keeps earlier views valid (same data, usable by kernels) after the memory grows', () => {
    const k = createWasmKernels('wasm-simd', 'float64');
    const [a, b] = k.allocate([4, 4]);
    a.set([1, 2, 3, 4]);
    b.set([1, 0, 0, 1]);

    const [big, c] = k.allocate([5_000_000, 4]);
    k.matMul(a, b, c, 2, 2, 2);

    expect(Array.from(a)).toEqual([1, 2, 3, 4]);
    expect(a.length).toBe(4);
    expect(big.length).toBe(5_000_000);
    expect(big[4_999_999]).toBe(0);
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
    expect(k.memoryBytes).toBeGreaterThanOrEqual(5_000_008 * 8 + 65536);
  });

  it('accepts subarrays of its views, call after call', () => {
    const k = createWasmKernels('wasm-relaxed-simd', 'float32');
    const [theta, c] = k.allocate([12, 4]);
    theta.set([9, 9, 9, 9, 1, 2, 3, 4, 1, 0, 0, 1]);
    const a = theta.subarray(4, 8);
    const b = theta.subarray(8, 12);

    k.matMul(a, b, c, 2, 2, 2);
    const first = Array.from(c);
    k.matMulTransB(a, b, c, 2, 2, 2);

    expect(first).toEqual([1, 2, 3, 4]);
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
  });

  it('rejects invalid lengths', () => {
    const k = createWasmKernels('wasm-simd', 'float32');

    expect(() => k.allocate([-1])).toThrow(RangeError);
    expect(() => k.allocate([1.5])).toThrow(RangeError);
  });

  it('refuses an array that is not in its memory, such as a plain Float32Array', () => {
    const k = createWasmKernels('wasm-simd', 'float32');
    const [a, b] = k.allocate([4, 4]);

    expect(() => k.matMul(a, b, new Float32Array(4), 2, 2, 2)).toThrow(/not allocated by this kernel set/);
    expect(() => k.sumRows(new Float32Array(64).subarray(4), a, 2, 2)).toThrow(/not allocated by this kernel set/);
  });
});

describe('wasm kernels fallback', () => {
  afterEach(() => {
    vi.doUnmock('../../../../src/engine/kernels/wasm/generated/kernel-bytes.js');
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('imports without error when the build output is missing, and auto picks ts', async () => {
    vi.resetModules();
    vi.doMock('../../../../src/engine/kernels/wasm/generated/kernel-bytes.js', () => {
      throw new Error('Cannot find module kernel-bytes.js');
    });

    const wasm = await import('../../../../src/engine/kernels/wasm/index.js');
    const { createKernels, listKernels } = await import('../../../../src/engine/kernels/index.js');

    expect(wasm.wasmKernelStatus('wasm-simd')).toMatchObject({ available: false, reason: expect.stringMatching(/npm run build:wasm/) });
    expect(listKernels()).toEqual(['ts']);
    expect(createKernels('auto', 'float32').name).toBe('ts');
    expect(() => createKernels('wasm-simd', 'float32')).toThrow(/not built/);
  });

  it('imports without error on a host without WebAssembly', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);

    const wasm = await import('../../../../src/engine/kernels/wasm/index.js');

    expect(wasm.wasmKernelStatus('wasm-relaxed-simd')).toMatchObject({ available: false, reason: expect.stringMatching(/no WebAssembly/) });
    expect(() => wasm.createWasmKernels('wasm-simd', 'float64')).toThrow(/no WebAssembly/);
  });
});

describe('WasmKernels activations', () => {
  it('float32 tanh (vector polynomial and exp) is within 2 ulp from 1e−6 to 50 and keeps NaN, ±1', () => {
    const n = 100_000;
    const k = createWasmKernels('wasm-simd', 'float32');
    const [z, b, a] = k.allocate([n + 4, n + 4, n + 4]);
    for (let i = 0; i < n; i++) z[i] = (i % 2 ? -1 : 1) * (i < n / 2 ? 1e-6 * 10 ** ((12 * i) / n) : (100 * (i - n / 2)) / n);
    z.set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0], n);
    const zs = Float64Array.from(z);

    k.biasActivation(z, b, a, 1, n + 4, 'tanh');

    let worstUlps = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.fround(Math.tanh(zs[i]));
      worstUlps = Math.max(worstUlps, Math.abs(a[i] - want) / Math.max(Math.abs(want) * 2 ** -23, 2 ** -149));
    }
    expect(worstUlps).toBeLessThanOrEqual(2);
    expect(Array.from(a.subarray(n))).toEqual([Number.NaN, 1, -1, 0]);
  });

  it('float32 sigmoid (vector exp) is within 2 ulp over [−87, 87] and keeps NaN, limits and ½', () => {
    const n = 100_001;
    const k = createWasmKernels('wasm-simd', 'float32');
    const [z, b, a] = k.allocate([n + 7, n + 7, n + 7]);
    for (let i = 0; i < n; i++) z[i] = -87 + (174 * i) / (n - 1);
    z.set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, 200, -200, -0], n);
    const zs = Float64Array.from(z);

    k.biasActivation(z, b, a, 1, n + 7, 'sigmoid');

    let worstUlps = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.fround(1 / (1 + Math.exp(-zs[i])));
      if (want >= 2 ** -126) worstUlps = Math.max(worstUlps, Math.abs(a[i] - want) / (want * 2 ** -23));
    }
    expect(worstUlps).toBeLessThanOrEqual(2);
    const [nan, inf, negInf, zero, big, negBig, negZero] = a.subarray(n);
    expect(nan).toBeNaN();
    expect(inf).toBe(1);
    expect(negInf).toBeLessThan(1e-38);
    expect(zero).toBe(0.5);
    expect(big).toBe(1);
    expect(negBig).toBeLessThan(1e-38);
    expect(negZero).toBe(0.5);
  });

  it('rejects an unknown activation, and softmax in activationBackward', () => {
    const k = createWasmKernels('wasm-simd', 'float64');
    const [z, b, a] = k.allocate([4, 2, 4]);

    expect(() => k.biasActivation(z, b, a, 2, 2, 'swish' as Activation)).toThrow(/unknown activation/);
    expect(() => k.activationBackward(z, z, a, 4, 'softmax' as 'linear')).toThrow(/unknown activation/);
  });
});

describe('WasmKernels views', () => {
  it('deep-equal plain typed arrays with the same contents', () => {
    const k = createWasmKernels('wasm-simd', 'float32');
    const [a, b, c] = k.allocate([4, 4, 4]);
    a.set([1, 2, 3, 4]);
    b.set([1, 0, 0, 1]);

    k.matMul(a, b, c, 2, 2, 2);

    expect(c).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(Object.keys(c)).toEqual(['0', '1', '2', '3']);
  });
});
