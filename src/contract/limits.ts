/**
 * The limits a job spec is checked against (README "Limits"), named as the configuration
 * variables that set them so `config` can be passed as is.
 */
export interface JobLimits {
  MAX_LAYERS: number;
  MAX_UNITS: number;
  MAX_INPUT_SIZE: number;
  MAX_OUTPUT_SIZE: number;
  MAX_PARAMETERS: number;
  MAX_SAMPLES: number;
  MAX_DATASET_NUMBERS: number;
  MAX_EPOCHS: number;
  MAX_BATCH_SIZE: number;
  MAX_WORK: number;
  MAX_MEMORY_BYTES: number;
  MAX_WEIGHTS_BYTES: number;
}

/** The job limits' defaults (README "Configuration"); src/config.ts takes its defaults from here. */
export const DEFAULT_LIMITS: Readonly<JobLimits> = Object.freeze({
  MAX_LAYERS: 16,
  MAX_UNITS: 4096,
  MAX_INPUT_SIZE: 4096,
  MAX_OUTPUT_SIZE: 1024,
  MAX_PARAMETERS: 16_000_000,
  MAX_SAMPLES: 100_000,
  MAX_DATASET_NUMBERS: 100_000_000,
  MAX_EPOCHS: 100_000,
  MAX_BATCH_SIZE: 4096,
  MAX_WORK: 1e12,
  MAX_MEMORY_BYTES: 512 * 1024 * 1024,
  MAX_WEIGHTS_BYTES: 8_000_000,
});

/** Sizes that decide a training run's memory. */
export interface MemoryShape {
  inputSize: number;
  layerUnits: readonly number[];
  samples: number;
  batchSize: number;
  precision: 'float32' | 'float64';
  optimizer: 'adam' | 'sgd';
  earlyStopping: boolean;
}

/** Bytes of a checkpoint header (the engine's is 160). */
const CHECKPOINT_HEADER_BYTES = 4096;
/** Small per-run allocations of the trainer besides its big buffers (the engine's is 256 KiB). */
const SMALL_ALLOCATIONS_BYTES = 1024 * 1024;

/**
 * An upper bound, in bytes, of the typed arrays one training run holds: the dataset as
 * Float64Arrays (8 bytes a number), the trainer's buffers (parameters × (2 + optimizer slots +
 * best copy), a batch of inputs, outputs and 3 × Σunits activations, a scratch copy of the
 * largest W), the shuffle order (4 bytes a row), two checkpoint snapshots and the encoded
 * result (8 bytes a parameter). It mirrors the engine's `estimateTrainingBytes` plus the data,
 * with margins (a unit test holds it ≥ the engine's for any shape); typed arrays are
 * outside the threads' `resourceLimits`, so this admission check is what bounds them.
 */
export function estimateTrainingBytes(shape: MemoryShape): number {
  const bytesPerNumber = shape.precision === 'float64' ? 8 : 4;
  let params = 0;
  let units = 0;
  let largestW = 0;
  let fanIn = shape.inputSize;
  for (const u of shape.layerUnits) {
    params += fanIn * u + u;
    units += u;
    largestW = Math.max(largestW, fanIn * u);
    fanIn = u;
  }
  const outputSize = shape.layerUnits[shape.layerUnits.length - 1] ?? 0;
  const batch = Math.max(1, Math.min(shape.batchSize, shape.samples));
  const vectors = 2 + (shape.optimizer === 'adam' ? 2 : 1) + (shape.earlyStopping ? 1 : 0);
  const datasetNumbers = shape.samples * (shape.inputSize + outputSize);
  // Kernel buffers, plus the TypeScript kernels' scratch copy of the largest Wᵀ.
  const kernelNumbers = params * vectors + batch * (shape.inputSize + outputSize) + 3 * batch * units + largestW;
  const order = shape.samples * 4;
  const snapshot = CHECKPOINT_HEADER_BYTES + order + 8 + params * bytesPerNumber * (vectors - 1);
  const result = params * 8;
  // Two snapshots: the one being written while the next is taken.
  return datasetNumbers * 8 + kernelNumbers * bytesPerNumber + order + 2 * snapshot + result + SMALL_ALLOCATIONS_BYTES;
}
