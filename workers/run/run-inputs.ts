import type { JobError, JobSpec, LayerWeights } from '../../src/contract/job.js';
import { decodeWeights } from '../../src/contract/weights.js';
import type { Dataset, TrainingOptions } from '../../src/engine/types.js';
import { trainRowCount } from '../../src/engine/trainer.js';
import { NotFoundError } from '../../src/errors.js';
import type { Checkpoint, CheckpointStore } from '../../src/store/checkpoint-store.js';
import type { DatasetStore } from '../../src/store/dataset-store.js';
import type { JobStore } from '../../src/store/job-store.js';
import { toTrainingOptions } from '../training-options.js';
import { jobError } from './settle-run.js';

/** Everything a run trains from, loaded before its thread starts. */
export interface RunInputs {
  spec: JobSpec;
  options: TrainingOptions;
  /** The arrays own their buffers (they are transferred to the thread). */
  dataset: Dataset;
  /** The last checkpoint to resume from, or `null` for a fresh start. */
  checkpoint: Checkpoint | null;
  /** Training rows per epoch (the engine's own rule), for the samples counter. */
  trainRows: number;
}

/** A private ArrayBuffer-backed copy unless `array` already owns its whole buffer (so it can be transferred). */
function transferable(array: Float64Array): Float64Array {
  if (array.buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength) return array;
  return array.slice();
}

/**
 * Loads a job's spec, data, initial weights and last checkpoint.
 * @returns the inputs, or the `invalid_data` error that fails the job (no retry can help)
 * @throws Redis errors (the attempt is retried)
 */
export async function loadRunInputs(
  jobId: string,
  stores: { jobs: JobStore; datasets: DatasetStore; checkpoints: CheckpointStore },
): Promise<RunInputs | { error: JobError }> {
  const spec = await stores.jobs.getSpec(jobId);
  if (spec === null) return { error: jobError('invalid_data', 'the job spec is missing') };
  let arrays;
  try {
    arrays = await stores.datasets.loadDatasetArrays(spec.data);
  } catch (err) {
    if (err instanceof NotFoundError) return { error: jobError('invalid_data', 'the job’s dataset no longer exists') };
    throw err;
  }
  let initialWeights: LayerWeights[] | null = null;
  if (spec.model.hasInitialWeights) {
    const bytes = await stores.jobs.getInitialWeights(jobId);
    if (bytes === null) return { error: jobError('invalid_data', 'the job’s initial weights are missing') };
    try {
      initialWeights = decodeWeights(bytes, spec.model.inputSize, spec.model.layers);
    } catch (err) {
      return { error: jobError('invalid_data', (err as Error).message) };
    }
  }
  const checkpoint = await stores.checkpoints.loadLatest(jobId);
  const dataset: Dataset = {
    samples: arrays.samples,
    inputSize: arrays.inputSize,
    outputSize: arrays.outputSize,
    inputs: transferable(arrays.inputs),
    targets: transferable(arrays.targets),
  };
  return {
    spec,
    options: toTrainingOptions(spec, initialWeights),
    dataset,
    checkpoint,
    trainRows: trainRowCount(dataset.samples, spec.training.validationSplit),
  };
}
