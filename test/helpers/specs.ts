import type { JobSpec } from '../../src/contract/job.js';

/** The README walk-through's XOR submission body. */
export function xorSubmission(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'xor demo',
    model: {
      inputSize: 2,
      layers: [
        { units: 8, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      init: 'auto',
      initialWeights: null,
    },
    loss: 'mse',
    optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    training: { epochs: 500, batchSize: 4, shuffle: true, seed: 42, validationSplit: 0, earlyStopping: null, precision: 'float32' },
    data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] },
    ...overrides,
  };
}

/** A normalised XOR JobSpec as the store keeps it. */
export function xorJobSpec(jobId: string, overrides: Partial<JobSpec['training']> = {}): JobSpec {
  return {
    specVersion: 1,
    name: 'xor demo',
    model: {
      inputSize: 2,
      layers: [
        { units: 8, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      init: 'auto',
      hasInitialWeights: false,
      fromJob: null,
    },
    loss: 'mse',
    optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    training: {
      epochs: 500, batchSize: 4, shuffle: true, seed: 42, validationSplit: 0, earlyStopping: null, clipNorm: null, precision: 'float32',
      ...overrides,
    },
    data: { kind: 'inline', jobId },
    dataShape: { samples: 4, inputSize: 2, outputSize: 1 },
  };
}
