import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toFloat32Source } from '../../../bench/engine-generate-kernels.js';
import { createKernels, listKernels, registerKernels } from '../../../src/engine/index.js';
import type { Activation, FloatArray } from '../../../src/engine/index.js';
import { Rng } from '../../../src/engine/rng.js';
import { kernelVariants, kernelsFor } from './helpers.js';

const ACTS: Activation[] = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear', 'softmax'];

function fill(a: FloatArray, rng: Rng): void {
  for (let i = 0; i < a.length; i++) a[i] = 2 * rng.nextFloat() - 1;
}

describe('kernel registry', () => {
  it('lists ts and resolves auto to the fastest set that works', () => {
    const names = listKernels();

    expect(names).toContain('ts');
    expect(createKernels('auto', 'float32').name).toBe(names[0]);
    expect(createKernels('ts', 'float64')).toMatchObject({ name: 'ts', precision: 'float64' });
    expect(() => createKernels('nope', 'float32')).toThrow(/unknown kernel set/);
  });

  it('leaves out sets whose factory throws on this host', () => {
    registerKernels('test-broken', () => { throw new Error('no such CPU'); }, { priority: 1000 });

    expect(listKernels()).not.toContain('test-broken');
    expect(createKernels('auto', 'float32').name).not.toBe('test-broken');
  });
});

describe('ts-kernels-f32.ts', () => {
  it('is the generated float32 twin of ts-kernels-f64.ts (run npx tsx bench/engine-generate-kernels.ts)', () => {
    const dir = new URL('../../../src/engine/kernels/', import.meta.url);
    const f64 = readFileSync(new URL('ts-kernels-f64.ts', dir), 'utf8');
    const f32 = readFileSync(new URL('ts-kernels-f32.ts', dir), 'utf8');

    expect(f32).toBe(toFloat32Source(f64));
  });
});

describe.each(kernelVariants())('$label kernels', ({ name, precision }) => {
  const tol = precision === 'float64' ? 1e-12 : 2e-5;
  const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 13, 17];

  it('compute the three matrix products like the naive loops, for odd and even sizes', () => {
    const k = kernelsFor(name, precision);
    const rng = new Rng(1);
    const [a, b, c] = k.allocate([17 * 17, 17 * 17, 17 * 17]);
    const bad: string[] = [];
    const check = (op: string, m: number, kk: number, n: number, got: number, want: number) => {
      if (!(Math.abs(got - want) < tol * kk)) bad.push(`${op} ${m}×${kk}×${n}: ${got} ≠ ${want}`);
    };
    for (const m of sizes) for (const kk of sizes) for (const n of [1, 3, 4, 8, 17]) {
      fill(a, rng);
      fill(b, rng);
      c.fill(99);
      const at = (x: FloatArray, r: number, cc: number, cols: number) => x[r * cols + cc];
      k.matMul(a, b, c, m, kk, n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < kk; p++) s += at(a, i, p, kk) * at(b, p, j, n);
        check('matMul', m, kk, n, c[i * n + j], s);
      }
      k.matMulTransA(a, b, c, m, kk, n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < kk; p++) s += at(a, p, i, m) * at(b, p, j, n);
        check('matMulTransA', m, kk, n, c[i * n + j], s);
      }
      k.matMulTransB(a, b, c, m, kk, n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < kk; p++) s += at(a, i, p, kk) * at(b, j, p, kk);
        check('matMulTransB', m, kk, n, c[i * n + j], s);
      }
    }

    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('apply bias + activation, its derivative, and sumRows', () => {
    const k = kernelsFor(name, precision);
    const rng = new Rng(2);
    const rows = 5, cols = 7;
    const [z, bias, out, dz, sums] = k.allocate([rows * cols, cols, rows * cols, rows * cols, cols]);
    for (const act of ACTS) {
      fill(z, rng);
      fill(bias, rng);
      const z0 = Array.from(z);
      k.biasActivation(z, bias, out, rows, cols, act);
      for (let r = 0; r < rows; r++) {
        const zr = z0.slice(r * cols, r * cols + cols).map((v, j) => v + bias[j]);
        const e = zr.map((v) => Math.exp(v - Math.max(...zr)));
        const s = e.reduce((p, q) => p + q, 0);
        zr.forEach((v, j) => {
          expect(Math.abs(z[r * cols + j] - v)).toBeLessThan(tol);
          const want = act === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : act === 'tanh' ? Math.tanh(v) : act === 'relu' ? Math.max(0, v)
            : act === 'leaky_relu' ? (v > 0 ? v : 0.01 * v) : act === 'linear' ? v : e[j] / s;
          expect(Math.abs(out[r * cols + j] - want)).toBeLessThan(tol * 4);
        });
      }
      if (act === 'softmax') continue;
      fill(dz, rng);
      const d0 = Array.from(dz);
      k.activationBackward(dz, z, out, rows * cols, act);
      for (let i = 0; i < rows * cols; i++) {
        const a = out[i], zi = z[i];
        const d = act === 'sigmoid' ? a * (1 - a) : act === 'tanh' ? 1 - a * a : act === 'relu' ? (zi > 0 ? 1 : 0) : act === 'leaky_relu' ? (zi > 0 ? 1 : 0.01) : 1;
        expect(Math.abs(dz[i] - d0[i] * d)).toBeLessThan(tol * 4);
      }
    }
    k.sumRows(z, sums, rows, cols);
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += z[r * cols + j];
      expect(Math.abs(sums[j] - s)).toBeLessThan(tol * rows);
    }
  });

  it('keep softmax finite for large logits', () => {
    const k = kernelsFor(name, precision);
    const [z, bias, out] = k.allocate([3, 3, 3]);
    z.set([1000, 0, -1000]);

    k.biasActivation(z, bias, out, 1, 3, 'softmax');

    expect(Array.from(out)).toEqual([1, 0, 0]);
  });

  it('take an AdamW step with a gradient scale over odd lengths', () => {
    const k = kernelsFor(name, precision);
    const rng = new Rng(3);
    for (const len of [1, 3, 5, 8, 33]) {
      const [theta, g, m, v] = k.allocate([len, len, len, len]);
      fill(theta, rng); fill(g, rng); fill(m, rng);
      for (let i = 0; i < len; i++) v[i] = rng.nextFloat();
      const t0 = Array.from(theta), g0 = Array.from(g), m0 = Array.from(m), v0 = Array.from(v);

      k.adamStep(theta, g, m, v, len, 0.01, 0.9, 0.999, 1e-7, 0.1, 3, 0.5);

      for (let i = 0; i < len; i++) {
        const gi = g0[i] * 0.5;
        const mi = 0.9 * m0[i] + 0.1 * gi, vi = 0.999 * v0[i] + 0.001 * gi * gi;
        const th = t0[i] * (1 - 0.01 * 0.1) - (0.01 * mi / (1 - 0.9 ** 3)) / (Math.sqrt(vi / (1 - 0.999 ** 3)) + 1e-7);
        expect(Math.abs(m[i] - mi)).toBeLessThan(tol);
        expect(Math.abs(v[i] - vi)).toBeLessThan(tol);
        expect(Math.abs(theta[i] - th)).toBeLessThan(tol * 10);
      }
    }
  });
});
