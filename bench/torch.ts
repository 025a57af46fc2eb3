/**
 * PyTorch as a peer in `npm run bench:engine`: present when `/usr/bin/python3` can `import torch`
 * (Debian: `apt-get install python3-torch`); never a test dependency. The workload's data and
 * initial weights go to raw float32 files that bench/torch-train.py reads, so both engines train
 * the same digits from the same start.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayerWeights, NetworkSpec } from '../src/engine/index.js';

const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'torch-train.py');

/** PyTorch's version, or null when `python3 -c 'import torch'` fails here. */
export function torchVersion(): string | null {
  try {
    return execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** One workload as bench/torch-train.py reads it. */
export interface TorchWorkload {
  net: NetworkSpec;
  batchSize: number;
  learningRate: number;
  samples: number;
  inputs: ArrayLike<number>;
  targets: ArrayLike<number>;
  weights: LayerWeights[];
  warmupRows: number;
}

/** A workload's files in a temporary directory; `run` trains it, `dispose` removes the files. */
export function prepareTorch(w: TorchWorkload): { run(threads: number): { seconds: number; finalLoss: number }; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-torch-'));
  const write = (name: string, values: ArrayLike<number>): string => {
    const file = join(dir, name);
    writeFileSync(file, new Uint8Array(Float32Array.from(values).buffer));
    return file;
  };
  const flat: number[] = [];
  for (const { W, b } of w.weights) {
    for (const row of W) flat.push(...row);
    flat.push(...b);
  }
  const outputSize = w.net.layers[w.net.layers.length - 1].units;
  const descriptor = join(dir, 'workload.json');
  writeFileSync(descriptor, JSON.stringify({
    inputSize: w.net.inputSize, outputSize, layers: w.net.layers, samples: w.samples, batchSize: w.batchSize,
    learningRate: w.learningRate, warmupRows: w.warmupRows, rounds: 1,
    inputsFile: write('inputs.f32', w.inputs), targetsFile: write('targets.f32', w.targets), weightsFile: write('weights.f32', flat),
  }));
  return {
    run(threads) {
      // torch.set_num_threads(1) does not reach OpenBLAS's own pthreads (Debian's
      // libopenblas0-pthread): without these, "1 thread" ran its products on every core (CPU time
      // twice the wall time on wide). More threads keep PyTorch's defaults (limiting OpenBLAS to
      // N under N OpenMP threads oversubscribes the cores: ten times slower on wide here).
      const limits = threads === 1 ? { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } : {};
      const out = execFileSync(PYTHON, [SCRIPT, descriptor, String(threads)], { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, ...limits } });
      const r = JSON.parse(out.trim().split('\n').pop() as string) as { seconds: number[]; finalLoss: number };
      return { seconds: r.seconds[0], finalLoss: r.finalLoss };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
