/**
 * The CPU-bound job of `npm run bench:api`, shared by the bench (which submits it over HTTP)
 * and bench/api-engine-threads.ts (which trains it on the engine directly, the ceiling the
 * service's thread scaling is compared with).
 */

/** Samples, inputs, epochs and batch size of the CPU-bound job. */
export const CPU_JOB = { samples: 512, inputSize: 16, hidden: 64, epochs: 400, batchSize: 32 } as const;

/** A deterministic regression set (a fixed LCG, values rounded to 3 decimals). */
export function regressionData(samples: number, inputSize: number): { inputs: number[][]; targets: number[][] } {
  let state = 12345;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.round((state / 2 ** 32) * 2000 - 1000) / 1000;
  };
  const inputs: number[][] = [];
  const targets: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const row = Array.from({ length: inputSize }, next);
    inputs.push(row);
    targets.push([Math.tanh(row.reduce((sum, value, k) => sum + value * ((k % 3) - 1), 0))]);
  }
  return { inputs, targets };
}

/** The CPU-bound job's submission: 16-64-64-1 tanh MLP, mse, Adam 1e-3, batch 32, float32. */
export function cpuJobSubmission(seed: number): Record<string, unknown> {
  const { samples, inputSize, hidden, epochs, batchSize } = CPU_JOB;
  return {
    name: 'bench mlp',
    model: { inputSize, layers: [{ units: hidden, activation: 'tanh' }, { units: hidden, activation: 'tanh' }, { units: 1, activation: 'linear' }] },
    loss: 'mse',
    optimizer: { type: 'adam', learningRate: 0.001 },
    training: { epochs, batchSize, seed },
    data: regressionData(samples, inputSize),
  };
}
