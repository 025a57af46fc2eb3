/** Shared fixtures for the engine's unit tests. */
import { createKernels, listKernels } from '../../../src/engine/index.js';
import { enableWasmFeatures } from '../../../src/wasm-features.js';
import { Rng } from '../../../src/engine/rng.js';
import type { Dataset, Kernels, Precision, TrainingOptions } from '../../../src/engine/index.js';

// As every entry point does: relaxed SIMD is behind a V8 flag on Node 20, so without this the
// `wasm-relaxed-simd` set would be left out of listKernels() and of every parameterised test.
enableWasmFeatures();

/** Every registered kernel set × precision that can be built on this host. */
export function kernelVariants(precisions: readonly Precision[] = ['float32', 'float64']): { label: string; name: string; precision: Precision }[] {
  const out: { label: string; name: string; precision: Precision }[] = [];
  for (const name of listKernels()) {
    for (const precision of precisions) {
      try {
        createKernels(name, precision);
        out.push({ label: `${name}/${precision}`, name, precision });
      } catch {
        // This set has no kernels for this precision.
      }
    }
  }
  return out;
}

/** A fresh kernel set (wasm sets keep their memory until collected, so tests do not share one). */
export function kernelsFor(name: string, precision: Precision): Kernels {
  return createKernels(name, precision);
}

/** A dataset held in Float64Arrays. */
export type Dataset64 = Dataset & { inputs: Float64Array; targets: Float64Array };

/** `rows` random samples: inputs U(−1, 1); targets per `kind`. */
export function randomDataset(seed: number, rows: number, inputSize: number, outputSize: number, kind: 'regression' | 'onehot' | 'binary'): Dataset64 {
  const rng = new Rng(seed, 7);
  const inputs = new Float64Array(rows * inputSize);
  for (let i = 0; i < inputs.length; i++) inputs[i] = 2 * rng.nextFloat() - 1;
  const targets = new Float64Array(rows * outputSize);
  for (let r = 0; r < rows; r++) {
    if (kind === 'onehot') targets[r * outputSize + rng.nextBelow(outputSize)] = 1;
    else for (let j = 0; j < outputSize; j++) {
      targets[r * outputSize + j] = kind === 'binary' ? rng.nextBelow(2) : 2 * rng.nextFloat() - 1;
    }
  }
  return { samples: rows, inputSize, outputSize, inputs, targets };
}

/** XOR's four rows. */
export const XOR: Dataset64 = {
  samples: 4, inputSize: 2, outputSize: 1,
  inputs: new Float64Array([0, 0, 0, 1, 1, 0, 1, 1]), targets: new Float64Array([0, 1, 1, 0]),
};

/** Training options with the contract's defaults, overridden by `o`. */
export function options(o: Partial<TrainingOptions> & Pick<TrainingOptions, 'network'>): TrainingOptions {
  return {
    loss: 'mse',
    optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    init: 'auto',
    initialWeights: null,
    epochs: 10,
    batchSize: 4,
    shuffle: true,
    seed: 42,
    validationSplit: 0,
    earlyStopping: null,
    clipNorm: null,
    precision: 'float64',
    ...o,
  };
}
