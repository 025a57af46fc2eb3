/**
 * Micro-benchmark of the three matrix products at the mnist-mlp and wide shapes, per kernel set
 * and precision: `npx tsx bench/engine-kernels.ts`. GFLOP/s = 2·m·k·n per call.
 */
import { createKernels, listKernels } from '../src/engine/index.js';
import type { Precision } from '../src/engine/index.js';

const shapes: { label: string; m: number; k: number; n: number }[] = [
  { label: 'fwd 64×784·(128×784)ᵀ', m: 64, k: 784, n: 128 },
  { label: 'dW (64×128)ᵀ·64×784', m: 128, k: 64, n: 784 },
  { label: 'dA 64×128·128×64', m: 64, k: 128, n: 64 },
  { label: 'wide fwd 128×512·(512×512)ᵀ', m: 128, k: 512, n: 512 },
];

for (const name of listKernels()) {
  for (const precision of ['float32', 'float64'] as Precision[]) {
    let k;
    try { k = createKernels(name, precision); } catch { continue; }
    const [a, b, c] = k.allocate([1024 * 1024, 1024 * 1024, 1024 * 1024]);
    for (let i = 0; i < a.length; i++) { a[i] = Math.sin(i); b[i] = Math.cos(i); }
    const cells: string[] = [];
    for (const s of shapes) {
      for (const op of ['matMul', 'matMulTransA', 'matMulTransB'] as const) {
        const flops = 2 * s.m * s.k * s.n;
        const reps = Math.max(3, Math.round(2e8 / flops));
        for (let i = 0; i < 3; i++) k[op](a, b, c, s.m, s.k, s.n);
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) k[op](a, b, c, s.m, s.k, s.n);
        const dt = (performance.now() - t0) / 1000;
        cells.push(`${op.replace('matMul', 'mm')}=${((flops * reps) / dt / 1e9).toFixed(2)}`);
      }
      cells.push('|');
    }
    console.log(`${name}/${precision}: ${cells.join(' ')}`);
  }
}
