/**
 * Why the TypeScript kernels exist once per precision: the three products through one class used
 * with Float64Array and then Float32Array, against each precision's own class.
 * `npx tsx bench/engine-monomorphism.ts own` and `… shared` (separate processes: V8 feedback is per process).
 */
import { TsKernels32, TsKernels64 } from '../src/engine/kernels/ts-kernels.js';
const shapes = [[64, 784, 128], [128, 64, 784], [64, 128, 64]] as const;
function run(k: any, A: any, label: string) {
  const a = new A(1 << 18), b = new A(1 << 18), c = new A(1 << 18);
  for (let i = 0; i < a.length; i++) { a[i] = Math.sin(i); b[i] = Math.cos(i); }
  let best = 0;
  for (let r = 0; r < 5; r++) {
    let flops = 0; const t0 = performance.now();
    for (let rep = 0; rep < 10; rep++) for (const [m, kk, n] of shapes) {
      k.matMul(a, b, c, m, kk, n); k.matMulTransA(a, b, c, m, kk, n); k.matMulTransB(a, b, c, m, kk, n); flops += 6 * m * kk * n;
    }
    best = Math.max(best, flops / ((performance.now() - t0) / 1000) / 1e9);
  }
  console.log(label, best.toFixed(2), 'GFLOP/s');
}
const mode = process.argv[2];
if (mode === 'shared') {
  const k = new TsKernels64();
  run(k, Float64Array, 'shared class, float64 first');
  run(k, Float32Array, 'shared class, float32 after float64');
  run(k, Float64Array, 'shared class, float64 again');
} else {
  run(new TsKernels64(), Float64Array, 'own class float64');
  run(new TsKernels32(), Float32Array, 'own class float32');
  run(new TsKernels64(), Float64Array, 'own class float64 again');
}
