/**
 * `npm run bench:kernels`: GFLOP/s of each registered kernel set's three matrix products at the
 * engine benchmark's shapes, per precision, and the share of this machine's single-core peak
 * (issue 6: ≈117 GFLOP/s fp32, Zen 4 AVX-512 FMA at 3.65 GHz; fp64 half of it).
 *
 * Options: `--ms=N` time per cell (default 250), `--kernels=a,b`, `--precision=float32|float64`.
 */
import { enableWasmFeatures } from '../src/wasm-features.js';

const PEAK_GFLOPS: Record<string, number> = { float32: 117, float64: 58.5 };

/** m×k×n of the products the dense layers run in `npm run bench:engine` (rows = batch). */
const SHAPES: ReadonlyArray<readonly [number, number, number, string]> = [
  [64, 784, 128, 'mnist L1 forward'],
  [128, 64, 784, 'mnist L1 dW'],
  [128, 784, 512, 'wide L1 forward'],
  [128, 512, 512, 'wide L2'],
];

const OPS = ['matMul', 'matMulTransA', 'matMulTransB'] as const;

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
  console.log('GFLOP/s (share of the single-core peak), 2·m·k·n flops per product\n');

  for (const precision of precisions) {
    const header = ['shape m×k×n', ...kernelNames.flatMap((k) => OPS.map((op) => `${k} ${op.replace('matMul', '') || 'A·B'}`))];
    console.log(`## ${precision}`);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---').join('|')}|`);
    for (const [m, k, n, label] of SHAPES) {
      const cells: string[] = [];
      for (const name of kernelNames) {
        const kernels = createKernels(name, precision);
        const [a, b, c] = kernels.allocate([m * k, k * n, m * n]);
        for (let i = 0; i < a.length; i++) a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
        for (let i = 0; i < b.length; i++) b[i] = ((i * 104729) % 1000) / 1000 - 0.5;
        for (const op of OPS) {
          // The same element counts serve all three (A is m×k or k×m, B k×n or n×k).
          const run = (): void => kernels[op](a, b, c, m, k, n);
          for (let i = 0; i < 3; i++) run();
          let reps = 0;
          const start = performance.now();
          let elapsed = 0;
          while (elapsed < cellMs) {
            run();
            reps++;
            elapsed = performance.now() - start;
          }
          const gflops = (2 * m * k * n * reps) / (elapsed * 1e6);
          cells.push(`${gflops.toFixed(1)} (${Math.round((100 * gflops) / PEAK_GFLOPS[precision])} %)`);
        }
      }
      console.log(`| ${m}×${k}×${n} ${label} | ${cells.join(' | ')} |`);
    }
    console.log('');
  }
}

await main();
