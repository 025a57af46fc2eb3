/**
 * brain.js 2.0 beta on XOR (2-8-1 sigmoid), the per-update peer of the engine benchmark's XOR workload.
 * brain.js trains online: one weight update per sample (learning rate 0.3, momentum 0.1, its
 * defaults), so an epoch over the 4 XOR rows is 4 updates; gpu.js (a peer dependency for
 * `NeuralNetworkGPU`) is not needed for the CPU `NeuralNetwork` used here.
 *
 * `npx tsx bench/brain.ts [--epochs=2000] [--runs=3]` prints the best run;
 * `bench/engine.ts` can `import { benchBrainXor } from './brain.js'` and print the same fields.
 */
import brain from 'brain.js';

/** One brain.js XOR measurement. */
export interface BrainXorResult {
  /** Wall time of `train()` per weight update (per sample), µs. */
  usPerUpdate: number;
  /** Wall time per epoch (4 updates), µs. */
  usPerEpoch: number;
  epochs: number;
  /** brain.js's own training error (mean squared error) after the last epoch. */
  finalError: number;
}

const XOR = [
  { input: [0, 0], output: [0] },
  { input: [0, 1], output: [1] },
  { input: [1, 0], output: [1] },
  { input: [1, 1], output: [0] },
];

/**
 * Trains a fresh 2-8-1 sigmoid network for exactly `epochs` epochs (`errorThresh: 1e-12` keeps
 * brain.js from stopping early) and returns the fastest of `runs` runs (the first one warms V8 up).
 */
export function benchBrainXor(epochs = 2000, runs = 3): BrainXorResult {
  let best: BrainXorResult | undefined;
  for (let run = 0; run < runs; run++) {
    const net = new brain.NeuralNetwork({ hiddenLayers: [8], activation: 'sigmoid' });
    const start = performance.now();
    const { error, iterations } = net.train(XOR, { iterations: epochs, errorThresh: 1e-12, log: false });
    const us = (performance.now() - start) * 1000;
    const result = { usPerUpdate: us / (iterations * XOR.length), usPerEpoch: us / iterations, epochs: iterations, finalError: error };
    if (!best || result.usPerUpdate < best.usPerUpdate) best = result;
  }
  return best!;
}

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchBrainXor(arg('epochs', 2000), arg('runs', 3));
  console.log(`brain.js ${'2.0.0-beta.24'} XOR 2-8-1: ${r.usPerUpdate.toFixed(2)} µs per update, ` +
    `${r.usPerEpoch.toFixed(1)} µs per epoch, ${r.epochs} epochs, final error ${r.finalError.toExponential(3)}`);
}
