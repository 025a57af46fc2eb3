/**
 * The PyTorch table of `npm run bench:engine`: mnist-mlp and wide, Adam, float32, trainyard and
 * PyTorch side by side in the same run, round after round (this machine is shared: one round's
 * pair sees the same load), each round one epoch after a warm-up. Prints samples/s ranges over
 * the rounds, GFLOP/s per core (6 × parameters per sample) against the 128-bit WebAssembly SIMD
 * ceiling (`WASM_CEILING_GFLOPS`, 58: 2 FMA pipes × 4 lanes × 2 × 3.65 GHz) and the fp32 peak
 * (`PEAK_GFLOPS`, 117), and ratios taken within each round.
 */
import { availableParallelism } from 'node:os';
import { parameterCount, type NetworkSpec } from '../src/engine/index.js';
import { prepareTorch, torchVersion, type TorchWorkload } from './torch.js';

/** One trainyard configuration: a label, its thread count and a timed one-epoch run. */
export interface OurEngine {
  label: string;
  threads: number;
  run(): Promise<{ seconds: number; finalLoss: number }>;
}

export interface TorchComparison {
  name: string;
  net: NetworkSpec;
  samples: number;
  torch: TorchWorkload;
  ours: OurEngine[];
}

interface Column { label: string; threads: number; sps: number[]; loss: number }

const WASM_CEILING_GFLOPS = Number(process.env.WASM_CEILING_GFLOPS ?? 58);
const PEAK_GFLOPS = Number(process.env.PEAK_GFLOPS ?? 117);

function range(values: number[], digits = 0): string {
  const lo = Math.min(...values), hi = Math.max(...values);
  const f = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
}

/** Runs every comparison for `rounds` rounds and returns the markdown table (empty without torch). */
export async function compareWithTorch(comparisons: TorchComparison[], rounds: number): Promise<string> {
  const version = torchVersion();
  if (!version) return 'PyTorch: /usr/bin/python3 cannot import torch here (apt-get install python3-torch); no PyTorch columns.';
  const allThreads = availableParallelism();
  const torchThreads = [...new Set([1, allThreads])];
  const lines = [
    `trainyard against PyTorch ${version} (CPU, float32, Adam 1e-3, one epoch per round, ${rounds} rounds; ranges are min–max over rounds;`,
    `ratios are per round, ours ÷ PyTorch's, same thread count unless named). GFLOP/s per core = 6 × parameters × samples/s ÷ threads;`,
    `% of ${WASM_CEILING_GFLOPS} GFLOP/s (128-bit WebAssembly SIMD with FMA) and of ${PEAK_GFLOPS} GFLOP/s (fp32 AVX-512 peak) per core.`,
    '',
    '| workload | engine | threads | samples/s | GFLOP/s per core | % wasm ceiling | % fp32 peak | × PyTorch 1 thread | × PyTorch ' + allThreads + ' threads | final loss |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of comparisons) {
    const torch = prepareTorch(c.torch);
    const columns: Column[] = [
      ...c.ours.map((o) => ({ label: `trainyard ${o.label}`, threads: o.threads, sps: [] as number[], loss: NaN })),
      ...torchThreads.map((t) => ({ label: 'PyTorch', threads: t, sps: [] as number[], loss: NaN })),
    ];
    try {
      for (let round = 0; round < rounds; round++) {
        for (const [i, o] of c.ours.entries()) {
          const r = await o.run();
          columns[i].sps.push(c.samples / r.seconds);
          columns[i].loss = r.finalLoss;
        }
        torchThreads.forEach((t, i) => {
          const r = torch.run(t);
          const col = columns[c.ours.length + i];
          col.sps.push(c.samples / r.seconds);
          col.loss = r.finalLoss;
        });
        console.error(`${c.name} round ${round + 1}: ${columns.map((x) => `${x.label}×${x.threads} ${Math.round(x.sps[round])}`).join(', ')}`);
      }
    } finally {
      torch.dispose();
    }
    const P = parameterCount(c.net);
    const torchCol = (t: number): Column | undefined => columns.find((x) => x.label === 'PyTorch' && x.threads === t);
    for (const col of columns) {
      const gflops = col.sps.map((s) => (6 * P * s) / 1e9 / col.threads);
      const ratio = (peer?: Column): string => (peer ? range(col.sps.map((s, r) => s / peer.sps[r]), 2) + '×' : '–');
      lines.push(`| ${c.name} | ${col.label} | ${col.threads} | ${range(col.sps)} | ${range(gflops, 1)} | ${range(gflops.map((g) => (100 * g) / WASM_CEILING_GFLOPS))} % | ${range(gflops.map((g) => (100 * g) / PEAK_GFLOPS))} % | ${ratio(torchCol(1))} | ${ratio(torchCol(allThreads))} | ${col.loss.toFixed(4)} |`);
    }
  }
  return lines.join('\n');
}
