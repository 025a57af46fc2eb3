/**
 * `npm run bench:kernels`: GFLOP/s of each registered kernel set's three matrix products at the
 * engine benchmark's shapes, per precision, and the share of this machine's single-core peak
 * (≈117 GFLOP/s fp32, Zen 4 AVX-512 FMA at 3.65 GHz; fp64 half of it).
 *
 * Options: `--ms=N` time per cell (default 250), `--kernels=a,b`, `--precision=float32|float64`.
 */
import { enableWasmFeatures } from '../src/wasm-features.js';

const PEAK_GFLOPS: Record<string, number> = { float32: 117, float64: 58.5 };

type Op = 'matMul' | 'matMulTransA' | 'matMulTransB';

/**
 * The products the dense layers run in `npm run bench:engine` (src/engine/dense-layer.ts):
 * forward `z = x·Wᵀ` (TransB), `dW = dzᵀ·x` (TransA), `dx = dz·W` (A·B); rows = batch.
 */
const CASES: ReadonlyArray<readonly [string, Op, number, number, number]> = [
  ['mnist L1 forward', 'matMulTransB', 64, 784, 128],
  ['mnist L1 dW', 'matMulTransA', 128, 64, 784],
  ['mnist L2 forward', 'matMulTransB', 64, 128, 64],
  ['mnist L2 dW', 'matMulTransA', 64, 64, 128],
  ['mnist L2 dx', 'matMul', 64, 64, 128],
  ['wide L1 forward', 'matMulTransB', 128, 784, 512],
  ['wide L1 dW', 'matMulTransA', 512, 128, 784],
  ['wide L2 forward', 'matMulTransB', 128, 512, 512],
  ['wide L2 dW', 'matMulTransA', 512, 128, 512],
  ['wide L2 dx', 'matMul', 128, 512, 512],
  ['wide L3 dx', 'matMul', 128, 10, 512],
];

function arg(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(): Promise<void> {
  const features = enableWasmFeatures();
  // The engine registers its kernel sets on import: after the flags are set.
  const { createKernels, listKernels } = await import('../src/engine/kernels/index.js');
  await import('../src/engine/kernels/wasm/index.js');
  const cellMs = Number(arg('ms') ?? 250);
  const kernelNames = arg('kernels')?.split(',') ?? listKernels();
  const precisions = (arg('precision')?.split(',') ?? ['float32', 'float64']) as ('float32' | 'float64')[];
  console.log(`node ${process.version}, wasm features ${JSON.stringify(features)}, kernels ${kernelNames.join(', ')}`);
  console.log('GFLOP/s (share of the single-core peak: 117 fp32 / 58.5 fp64 with AVX-512), 2·m·k·n flops per product.');
  console.log('WebAssembly SIMD is 128-bit: two FMA pipes × 4 lanes cap it at about half that peak.\n');

  for (const precision of precisions) {
    const header = ['product', 'm×k×n', ...kernelNames];
    console.log(`## ${precision}`);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---').join('|')}|`);
    const totals = kernelNames.map(() => ({ flops: 0, ms: 0 }));
    for (const [label, op, m, k, n] of CASES) {
      const cells: string[] = [];
      kernelNames.forEach((name, column) => {
        const kernels = createKernels(name, precision);
        const [a, b, c] = kernels.allocate([m * k, k * n, m * n]);
        for (let i = 0; i < a.length; i++) a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
        for (let i = 0; i < b.length; i++) b[i] = ((i * 104729) % 1000) / 1000 - 0.5;
        const run = (): void => kernels[op](a, b, c, m, k, n);
        // Warm-up, long enough for V8 to tier the wasm functions up to TurboFan.
        for (let i = 0; i < 20; i++) run();
        let reps = 0;
        const start = performance.now();
        let elapsed = 0;
        while (elapsed < cellMs) {
          run();
          reps++;
          elapsed = performance.now() - start;
        }
        const flops = 2 * m * k * n;
        totals[column].flops += flops;
        totals[column].ms += elapsed / reps;
        const gflops = (flops * reps) / (elapsed * 1e6);
        cells.push(`${gflops.toFixed(1)} (${Math.round((100 * gflops) / PEAK_GFLOPS[precision])} %)`);
      });
      console.log(`| ${label} (${op}) | ${m}×${k}×${n} | ${cells.join(' | ')} |`);
    }
    const overall = totals.map((t) => `${(t.flops / (t.ms * 1e6)).toFixed(1)}`);
    console.log(`| all of the above, time-weighted | | ${overall.join(' | ')} |`);
    console.log('');
  }
}

await main();
