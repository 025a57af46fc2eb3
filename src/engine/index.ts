/**
 * trainyard's backpropagation engine: dense feed-forward networks trained with AdamW or SGD,
 * exactly as docs/mathematics.md defines them. Pure: arrays and a seed in, arrays out; no I/O,
 * no clocks, no `Math.random`. Workers run {@link createTrainer} in a thread; the API's inference
 * pool runs {@link predict}.
 */
import { createKernels } from './kernels/index.js';
import { predict as predictWith } from './network.js';
import type { Kernels, LayerWeights, NetworkSpec } from './types.js';

export * from './types.js';
export { EngineError, DivergenceError, ShapeError } from './errors.js';
export { createKernels, listKernels, registerKernels, type KernelFactory } from './kernels/index.js';
export { createTrainer, estimateTrainingBytes, trainRowCount, type Trainer, type TrainerSettings } from './trainer.js';
export { runTeamHelper, type TeamDescriptor } from './parallel/training-team.js';
export { checkpointInfo } from './checkpoint.js';
export { parameterCount, encodeWeights, decodeWeights, initializeWeights } from './network.js';

/**
 * The forward pass for inference: `rows` samples of `inputs` (row-major `rows × inputSize`)
 * through `network` with `weights`, returned as `rows × outputSize` float64 values.
 * @param kernels - kernel set to run on (and its precision); float64 TypeScript kernels by default.
 *   Working buffers are allocated from it on every call, and a WebAssembly set only returns its
 *   memory when the set itself is collected: pass a fresh set per call (or a few calls), not one
 *   kept for the life of a process.
 * @throws ShapeError when weights or inputs do not fit the network
 */
export function predict(
  network: NetworkSpec, weights: LayerWeights[], inputs: Float64Array, rows: number, kernels?: Kernels,
): Float64Array {
  return predictWith(network, weights, inputs, rows, kernels ?? createKernels('ts', 'float64'));
}
