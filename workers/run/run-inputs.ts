import type { JobError, JobSpec, LayerWeights } from '../../src/contract/job.js';
import { decodeWeights } from '../../src/contract/weights.js';
import type { Dataset, TrainingOptions } from '../../src/engine/types.js';
import { trainRowCount } from '../../src/engine/trainer.js';
import { NotFoundError } from '../../src/errors.js';
import type { Checkpoint, CheckpointStore } from '../../src/store/checkpoint-store.js';
import type { DatasetArrays } from '../../src/store/builtin-datasets.js';
import type { DatasetStore } from '../../src/store/dataset-store.js';
import type { JobStore } from '../../src/store/job-store.js';
import { toTrainingOptions } from '../training-options.js';
import type { DatasetCache } from './dataset-cache.js';
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
  /** Milliseconds each read took (for the run's debug timings). */
  timings: { specMs: number; datasetMs: number; checkpointMs: number };
}

/**
 * `array` when it can go to the thread as is (it owns its whole buffer, which is transferred, or
 * it is shared), else a private copy.
 */
function transferable(array: Float64Array): Float64Array {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  if (array.buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength) return array;
  return array.slice();
}

/**
 * The job's dataset arrays: an uploaded dataset from `cache` when its metadata (read for every
 * job, so a deleted dataset still fails it) matches, else from Redis (then kept in `cache`).
 * @throws NotFoundError when the dataset no longer exists
 */
async function loadDataset(spec: JobSpec, datasets: DatasetStore, cache: DatasetCache | undefined): Promise<DatasetArrays> {
  const ref = spec.data;
  if (!cache || ref.kind !== 'dataset') return datasets.loadDatasetArrays(ref);
  const meta = await datasets.getDataset(ref.tenant, ref.datasetId);
  const key = `${ref.datasetId}:${meta.createdAt}:${meta.bytes}`;
  return cache.get(key) ?? cache.set(key, await datasets.loadDatasetArrays(ref));
}

/**
 * Loads a job's spec, data (through `cache` when given), initial weights and last checkpoint.
 * @returns the inputs, or the `invalid_data` error that fails the job (no retry can help)
 * @throws Redis errors (the attempt is retried)
 */
export async function loadRunInputs(
  jobId: string,
  stores: { jobs: JobStore; datasets: DatasetStore; checkpoints: CheckpointStore },
  cache?: DatasetCache,
): Promise<RunInputs | { error: JobError }> {
  const t0 = performance.now();
  const spec = await stores.jobs.getSpec(jobId);
  if (spec === null) return { error: jobError('invalid_data', 'the job spec is missing') };
  const t1 = performance.now();
  let arrays;
  try {
    arrays = await loadDataset(spec, stores.datasets, cache);
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
  const t2 = performance.now();
  const checkpoint = await stores.checkpoints.loadLatest(jobId);
  const t3 = performance.now();
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
    timings: { specMs: t1 - t0, datasetMs: t2 - t1, checkpointMs: t3 - t2 },
  };
}
