import { performance } from 'node:perf_hooks';
import type { Throughput } from '../src/contract/job-plan.js';
import type { Dataset, TrainingOptions } from '../src/engine/types.js';
import type { ThroughputStore } from '../src/store/throughput-store.js';
import { PooledThread, siblingThreadEntry } from '../src/threads/thread-pool.js';

type Engine = typeof import('../src/engine/index.js');
type TrainingHelpers = import('./training-helpers.js').TrainingHelpers;

/** A fixed workload: `units` layers on `samples` seeded rows, batches of `batchSize`. */
interface Workload {
  inputSize: number;
  units: number[];
  samples: number;
  batchSize: number;
  epochs: number;
}

/** Big enough that the GEMMs dominate: 256-128-10, 1,024 rows, batches of 64. */
const GEMM_WORKLOAD: Workload = { inputSize: 256, units: [128, 10], samples: 1024, batchSize: 64, epochs: 3 };
/** Small enough that per-step costs dominate: 2-8-1 (XOR-sized), 4 rows, one per batch. */
export const STEP_WORKLOAD: Workload = { inputSize: 2, units: [8, 1], samples: 4, batchSize: 1, epochs: 400 };

function weightsOf(w: Workload): number {
  let fanIn = w.inputSize;
  let total = 0;
  for (const n of w.units) { total += fanIn * n; fanIn = n; }
  return total;
}

/** Deterministic rows (no Math.random: the same workload on every worker). */
function datasetOf(w: Workload, precision: Float32ArrayConstructor): Dataset {
  const outputSize = w.units[w.units.length - 1];
  const inputs = new precision(w.samples * w.inputSize);
  const targets = new precision(w.samples * outputSize);
  for (let i = 0; i < inputs.length; i++) inputs[i] = Math.sin(i * 0.37);
  for (let i = 0; i < targets.length; i++) targets[i] = Math.cos(i * 0.11);
  return { samples: w.samples, inputSize: w.inputSize, outputSize, inputs, targets };
}

function optionsOf(w: Workload): TrainingOptions {
  return {
    network: { inputSize: w.inputSize, layers: w.units.map((units, i) => ({ units, activation: i === w.units.length - 1 ? 'linear' : 'tanh' })) },
    loss: 'mse',
    optimizer: { type: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    init: 'auto',
    initialWeights: null,
    epochs: w.epochs,
    batchSize: w.batchSize,
    shuffle: true,
    seed: 1,
    validationSplit: 0,
    earlyStopping: null,
    clipNorm: null,
    precision: 'float32',
  };
}

/** A trainer for `w` with `kernelChoice`'s float32 kernels on `threads` threads. */
export function createWorkloadTrainer(engine: Engine, kernelChoice: string, w: Workload, threads = 1) {
  return engine.createTrainer(datasetOf(w, Float32Array), optionsOf(w), engine.createKernels(kernelChoice, 'float32'), undefined, { threads });
}

/**
 * Seconds to train `w` on `threads` threads (best of two runs, so one preemption or the helper
 * threads' start does not skew it).
 */
async function timeWorkload(engine: Engine, helpers: TrainingHelpers, kernelChoice: string, w: Workload, threads = 1): Promise<number> {
  let best = Infinity;
  for (let run = 0; run < 2; run++) {
    const trainer = createWorkloadTrainer(engine, kernelChoice, w, threads);
    const start = performance.now();
    await helpers.run(trainer);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

/**
 * Measures this worker's training speed on two fixed workloads (≈ 0.1–0.3 s in all), solving
 * `seconds = steps · secondsPerStep + flops / flopsPerSecond` for both. Run once at worker start,
 * before it takes jobs. `secondsPerJob` is the per-job overhead the caller supplies. With
 * `threads` > 1 the FLOP rate is the better of one thread and a team of `threads` (what a job
 * alone on the worker is granted).
 */
export async function calibrateThroughput(kernelChoice: string, secondsPerJob: number, threads = 1): Promise<Throughput> {
  const engine = await import('../src/engine/index.js');
  const { TrainingHelpers } = await import('./training-helpers.js');
  const helpers = new TrainingHelpers();
  try {
    return await measureThroughput(engine, helpers, kernelChoice, secondsPerJob, threads);
  } finally {
    await helpers.terminate();
  }
}

async function measureThroughput(engine: Engine, helpers: TrainingHelpers, kernelChoice: string, secondsPerJob: number, threads: number): Promise<Throughput> {
  const flopsOf = (w: Workload): number => 6 * weightsOf(w) * w.samples * w.epochs;
  const stepsOf = (w: Workload): number => Math.ceil(w.samples / w.batchSize) * w.epochs;
  const gemmSeconds = await timeWorkload(engine, helpers, kernelChoice, GEMM_WORKLOAD);
  const stepSeconds = await timeWorkload(engine, helpers, kernelChoice, STEP_WORKLOAD);
  let flopsPerSecond = flopsOf(GEMM_WORKLOAD) / gemmSeconds;
  let secondsPerStep = 0;
  for (let i = 0; i < 3; i++) {
    secondsPerStep = Math.max(0, (stepSeconds - flopsOf(STEP_WORKLOAD) / flopsPerSecond) / stepsOf(STEP_WORKLOAD));
    flopsPerSecond = flopsOf(GEMM_WORKLOAD) / Math.max(1e-6, gemmSeconds - stepsOf(GEMM_WORKLOAD) * secondsPerStep);
  }
  if (threads > 1) {
    // A job alone on this worker trains on `threads` cores: the rate a dry run should expect.
    const teamSeconds = await timeWorkload(engine, helpers, kernelChoice, GEMM_WORKLOAD, threads);
    flopsPerSecond = Math.max(flopsPerSecond, flopsOf(GEMM_WORKLOAD) / Math.max(1e-6, teamSeconds - stepsOf(GEMM_WORKLOAD) * secondsPerStep));
  }
  const kernels = engine.createKernels(kernelChoice, 'float32').name;
  return { flopsPerSecond, secondsPerStep, secondsPerJob, kernels, measuredAt: new Date().toISOString() };
}

/**
 * Per-job overhead beyond the steps (queue pickup, thread hand-over, data load, curve and
 * completion writes) on a warm worker, as measured through the service on XOR and mnist-like
 * jobs with `npm run bench:plan`.
 */
export const SECONDS_PER_JOB = 0.08;

/** Runs {@link calibrateThroughput} in a thread of its own and returns what it measured. */
async function calibrateInThread(kernelChoice: string, threads: number): Promise<Throughput> {
  const thread = new PooledThread(0, {
    name: 'calibration',
    size: 1,
    entry: siblingThreadEntry(import.meta.url, 'calibrate-thread'),
    isReadyMessage: (message) => (message as { ready?: boolean }).ready === true,
    unref: true,
  });
  try {
    await thread.ready;
    const answer = await new Promise<{ throughput?: Throughput; error?: string }>((resolve, reject) => {
      thread.worker.once('message', resolve);
      thread.onDeath((death) => reject(new Error(death.message)));
      thread.worker.postMessage({ kernels: kernelChoice, secondsPerJob: SECONDS_PER_JOB, threads });
    });
    if (!answer.throughput) throw new Error(answer.error ?? 'no answer');
    return answer.throughput;
  } finally {
    await thread.terminate();
  }
}

/**
 * Calibrates this worker (see {@link calibrateThroughput}) in a thread of its own and stores the
 * figures for the API's dry runs. Not awaited by the worker's start: jobs are taken meanwhile.
 * A failure only logs: the API then keeps the previous or the default figures.
 */
export async function publishThroughput(
  kernelChoice: string, threads: number, store: ThroughputStore, log: { info(o: object, m: string): void; warn(o: object, m: string): void },
): Promise<void> {
  try {
    const throughput = await calibrateInThread(kernelChoice, threads);
    await store.saveThroughput(throughput);
    log.info({ throughput }, 'throughput calibrated');
  } catch (err) {
    log.warn({ err }, 'throughput calibration failed; dry runs keep the previous figures');
  }
}
