import type { JobSpec } from './job.js';
import { estimateTrainingBytes, type JobLimits } from './limits.js';
import { countParameters } from './weights.js';
import { trainingRowCount } from './check-job.js';

/** One limit a job is checked against: its name (the setting), the job's value, the maximum. */
export interface PlannedLimit {
  name: keyof JobLimits;
  value: number;
  max: number;
}

/** What a job will cost, by arithmetic on its spec (POST /v1/jobs?dryRun=true). */
export interface JobPlan {
  /** Σ in×out + out over the layers. */
  parameters: number;
  /** Floating-point operations of the whole run (training and validation passes). */
  flops: number;
  /** Optimizer steps of the whole run (batches per epoch × epochs). */
  steps: number;
  /** The memory estimate of the training run's typed arrays (the `MAX_MEMORY_BYTES` check). */
  memoryBytes: number;
  /** Every limit the spec is checked against, with its value for this job. */
  limits: PlannedLimit[];
}

/**
 * The cost of a normalized job: FLOPs count a multiply-add as 2 and a training sample as three
 * passes through the weights (forward, the input gradient, the weight gradient: 6 per weight),
 * a validation sample as one (2 per weight), every epoch of `training.epochs` (an early stop
 * only makes the run shorter).
 */
export function planJob(spec: JobSpec, limits: JobLimits): JobPlan {
  const { model, training, dataShape } = spec;
  const units = model.layers.map((layer) => layer.units);
  const parameters = countParameters(model.inputSize, model.layers);
  const weights = parameters - units.reduce((sum, n) => sum + n, 0);
  const trainRows = trainingRowCount(dataShape.samples, training.validationSplit);
  const valRows = dataShape.samples - trainRows;
  const flops = (6 * trainRows + 2 * valRows) * weights * training.epochs;
  const steps = Math.ceil(trainRows / training.batchSize) * training.epochs;
  const memoryBytes = estimateTrainingBytes({
    inputSize: model.inputSize,
    layerUnits: units,
    samples: dataShape.samples,
    batchSize: training.batchSize,
    precision: training.precision,
    optimizer: spec.optimizer.type,
    earlyStopping: spec.training.earlyStopping !== null,
  });
  const planned: [keyof JobLimits, number][] = [
    ['MAX_LAYERS', model.layers.length],
    ['MAX_UNITS', Math.max(...units)],
    ['MAX_INPUT_SIZE', model.inputSize],
    ['MAX_OUTPUT_SIZE', units[units.length - 1]],
    ['MAX_PARAMETERS', parameters],
    ['MAX_WEIGHTS_BYTES', parameters * 8],
    ['MAX_SAMPLES', dataShape.samples],
    ['MAX_DATASET_NUMBERS', dataShape.samples * (dataShape.inputSize + dataShape.outputSize)],
    ['MAX_EPOCHS', training.epochs],
    ['MAX_BATCH_SIZE', training.batchSize],
    ['MAX_WORK', parameters * dataShape.samples * training.epochs],
    ['MAX_MEMORY_BYTES', memoryBytes],
  ];
  return { parameters, flops, steps, memoryBytes, limits: planned.map(([name, value]) => ({ name, value, max: limits[name] })) };
}

/** A worker's measured speed (see `workers/calibrate.ts`): the basis of `estimatedSeconds`. */
export interface Throughput {
  /** Training FLOP/s of its kernel set on the calibration network. */
  flopsPerSecond: number;
  /** Seconds one optimizer step costs beyond its FLOPs (batch bookkeeping, Adam, the epoch end). */
  secondsPerStep: number;
  /** Seconds a job costs beyond its steps (queue pickup, thread start, data load, final writes). */
  secondsPerJob: number;
  /** The kernel set measured. */
  kernels: string;
  /** When it was measured (ISO 8601). */
  measuredAt: string;
}

/** Used until a worker has measured its own (a 2-core x86-64 machine's wasm-SIMD figures). */
export const DEFAULT_THROUGHPUT: Throughput = Object.freeze({
  flopsPerSecond: 10e9,
  secondsPerStep: 20e-6,
  secondsPerJob: 0.3,
  kernels: 'default',
  measuredAt: '1970-01-01T00:00:00.000Z',
});

/** Seconds a job of `plan` takes at `throughput`: job overhead + per-step overhead + FLOPs / rate. */
export function estimateSeconds(plan: JobPlan, throughput: Throughput): number {
  return throughput.secondsPerJob + plan.steps * throughput.secondsPerStep + plan.flops / throughput.flopsPerSecond;
}
