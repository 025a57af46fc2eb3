/**
 * The training thread: a persistent `worker_threads` entry that runs one job at a time with the
 * engine's trainer. It never touches Redis; it posts progress, checkpoints and the outcome to the
 * processor (see thread-messages.ts) and reads the control word between batches.
 */
import { availableParallelism } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { CurvePoint } from '../src/contract/job.js';
import type { EpochMetrics, TrainingCallbacks } from '../src/engine/types.js';
import { enableWasmFeatures } from '../src/wasm-features.js';
import {
  CONTROL_HANDBACK,
  CONTROL_INDEX,
  CONTROL_RUN,
  type CheckpointMessage,
  type StartMessage,
  type ThreadError,
  type ThreadMessage,
} from './thread-messages.js';

if (!parentPort) throw new Error('training-thread.ts must run as a worker thread');
// Before the engine loads (hence its dynamic import): relaxed SIMD is behind a flag on Node 20.
enableWasmFeatures();
const engine = await import('../src/engine/index.js');
const { TrainingHelpers } = await import('./training-helpers.js');
const { createWorkloadTrainer, STEP_WORKLOAD } = await import('./calibrate.js');
const port = parentPort;
/** This thread's helper threads for multi-threaded jobs (started on first use, kept). */
const helpers = new TrainingHelpers();

function post(message: ThreadMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** A Uint8Array whose buffer can be transferred without detaching anything else (copies when needed). */
function ownedBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return bytes.slice();
}

function toThreadError(err: unknown): ThreadError {
  const e = err as { code?: unknown; message?: unknown; epoch?: unknown; batch?: unknown };
  const code = typeof e?.code === 'string' && (e.code === 'diverged' || e.code === 'invalid_data') ? e.code : 'internal';
  const error: ThreadError = { code, message: typeof e?.message === 'string' ? e.message : String(err) };
  if (typeof e?.epoch === 'number') error.epoch = e.epoch;
  if (typeof e?.batch === 'number') error.batch = e.batch;
  return error;
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Test hook: allocate JS objects until the thread's heap limit kills it. */
function exhaustHeap(): never {
  const hog: unknown[] = [];
  for (;;) hog.push({ index: hog.length, payload: new Array(64).fill(hog.length) });
}

type Trainer = import('../src/engine/index.js').Trainer;
type TrainingOutcome = import('../src/engine/index.js').TrainingOutcome;

/** One job's progress (curve points, throughput) and checkpoints, posted to the processor. */
class JobReporter {
  trainer: Trainer | undefined;
  lastCheckpointAt = performance.now();
  lastProgressAt = performance.now();
  private readonly clockStart = performance.now();
  private pending: CurvePoint[] = [];
  private latest: CurvePoint | undefined;
  private lastKeptEpoch = 0;
  private windowStart = performance.now();
  private windowEpochs = 0;
  private windowSamples = 0;
  private epochsPerSecond = 0;
  private samplesPerSecond = 0;

  constructor(private readonly start: StartMessage, private readonly trainRows: number) {}

  elapsedMs(): number {
    return Math.round(this.start.elapsedMsAtStart + (performance.now() - this.clockStart));
  }

  /** One curve point per epoch, and the throughput window. */
  recordEpoch(metrics: EpochMetrics): void {
    const point: CurvePoint = { ...metrics, elapsedMs: this.elapsedMs() };
    this.latest = point;
    this.pending.push(point);
    this.lastKeptEpoch = metrics.epoch;
    this.windowEpochs += 1;
    this.windowSamples += this.trainRows;
    this.updateRates(false);
  }

  /** Throughput over windows of about a second (or whatever ran, for short jobs). */
  private updateRates(force: boolean): void {
    const now = performance.now();
    const span = now - this.windowStart;
    if (span >= 1_000 || (force && span > 0 && this.windowEpochs > 0)) {
      this.epochsPerSecond = (this.windowEpochs * 1_000) / span;
      this.samplesPerSecond = (this.windowSamples * 1_000) / span;
      this.windowStart = now;
      this.windowEpochs = 0;
      this.windowSamples = 0;
    }
  }

  flushProgress(forceLast: boolean): void {
    const latest = this.latest;
    if (!latest) return;
    if (this.epochsPerSecond === 0 || forceLast) this.updateRates(true);
    if (forceLast && latest.epoch > this.lastKeptEpoch) {
      this.pending.push(latest);
      this.lastKeptEpoch = latest.epoch;
    }
    const trainer = this.trainer;
    post({
      type: 'progress', jobId: this.start.jobId, points: this.pending, latest, step: trainer?.step ?? 0,
      samplesPerSecond: this.samplesPerSecond, epochsPerSecond: this.epochsPerSecond, ...(trainer ? { kernel: trainer.kernelName } : {}),
    });
    this.pending = [];
    this.lastProgressAt = performance.now();
  }

  checkpoint(): Omit<CheckpointMessage, 'type' | 'jobId'> {
    const trainer = this.trainer!;
    const bytes = ownedBytes(trainer.snapshot());
    const info = engine.checkpointInfo(bytes);
    this.lastCheckpointAt = performance.now();
    return { bytes, epoch: info.epoch, batch: info.batch, step: info.step, elapsedMs: this.elapsedMs(), kernel: trainer.kernelName };
  }

  postCheckpoint(): void {
    // Points before their checkpoint, so the processor can store them first.
    this.flushProgress(false);
    const snapshot = this.checkpoint();
    post({ type: 'checkpoint', jobId: this.start.jobId, ...snapshot }, [snapshot.bytes.buffer as ArrayBuffer]);
  }
}

/** The test hooks of a job (integration and chaos tests), run after each epoch. */
function applyTestHooks(start: StartMessage, control: Int32Array, epoch: number): void {
  const hooks = start.testHooks ?? {};
  if (hooks.epochDelayMs) sleepMs(hooks.epochDelayMs);
  if (hooks.throwAtEpoch === epoch) throw new Error(`test hook: thrown at epoch ${epoch}`);
  if (hooks.crashAtEpoch === epoch) process.exit(70);
  if (hooks.allocateAtEpoch === epoch) exhaustHeap();
  // Poison the data the trainer reads, so the next epoch's first batch has a NaN loss.
  if (hooks.nanAtEpoch === epoch + 1) start.dataset.inputs.fill(Number.NaN);
  if (hooks.stopAfterEpoch === epoch) Atomics.store(control, CONTROL_INDEX, CONTROL_HANDBACK);
}

/**
 * `onEpoch` and `shouldStop` of one trainer: stops it at an epoch boundary when `resize()` (asked
 * after each epoch) says its thread count should change.
 */
function createCallbacks(start: StartMessage, control: Int32Array, reporter: JobReporter, resize: () => boolean = () => false): TrainingCallbacks {
  const interval = start.checkpointIntervalMs;
  let resizing = false;
  return {
    onBatch() {
      // An epoch much longer than the interval also checkpoints between its batches.
      if (interval > 0 && performance.now() - reporter.lastCheckpointAt >= 2 * interval) reporter.postCheckpoint();
    },
    onEpoch(metrics: EpochMetrics) {
      reporter.recordEpoch(metrics);
      applyTestHooks(start, control, metrics.epoch);
      if (performance.now() - reporter.lastProgressAt >= start.progressIntervalMs) reporter.flushProgress(false);
      if (performance.now() - reporter.lastCheckpointAt >= interval && metrics.epoch < start.options.epochs) reporter.postCheckpoint();
      resizing = resize();
    },
    shouldStop() {
      return resizing || Atomics.load(control, CONTROL_INDEX) !== CONTROL_RUN;
    },
  };
}

/** The job's kernel set: the checkpoint's, else this worker's choice. */
function createJobKernels(start: StartMessage) {
  try {
    return engine.createKernels(start.kernels, start.options.precision);
  } catch {
    // The checkpoint's kernel set does not run here: the resume continues, maybe not bit-identically.
    return engine.createKernels(start.fallbackKernels, start.options.precision);
  }
}

/** Posts the run's end: stopped (cancel, or handback with a checkpoint) or done with the weights and the final snapshot. */
function postOutcome(start: StartMessage, control: Int32Array, reporter: JobReporter, trainer: Trainer, outcome: TrainingOutcome): void {
  const jobId = start.jobId;
  if (outcome.reason === 'stopped') {
    reporter.flushProgress(false);
    if (Atomics.load(control, CONTROL_INDEX) === CONTROL_HANDBACK) {
      // (progress was flushed just above, so its points precede the checkpoint)
      const snapshot = reporter.checkpoint();
      post({ type: 'stopped', jobId, reason: 'handback', checkpoint: snapshot }, [snapshot.bytes.buffer as ArrayBuffer]);
    } else {
      post({ type: 'stopped', jobId, reason: 'cancel' });
    }
    return;
  }
  reporter.flushProgress(true);
  const weights = ownedBytes(engine.encodeWeights(start.options.network, trainer.getWeights()));
  // The final snapshot goes with the result: the completed job can be forked from it.
  const checkpoint = reporter.checkpoint();
  post(
    { type: 'done', jobId, weights, outcome, kernelName: trainer.kernelName, elapsedMs: reporter.elapsedMs(), checkpoint },
    [weights.buffer as ArrayBuffer, checkpoint.bytes.buffer as ArrayBuffer],
  );
}

async function runJob(start: StartMessage): Promise<void> {
  const control = new Int32Array(start.control);
  const reporter = new JobReporter(start, engine.trainRowCount(start.dataset.samples, start.options.validationSplit));
  const wanted = start.threadsWanted ? new Int32Array(start.threadsWanted) : null;
  // The thread count last asked for (the engine may use fewer: one for SGD or TypeScript kernels).
  let asked = start.threads ?? 1;
  let stoppedToResize = false;
  const resize = (): boolean => (stoppedToResize = wanted !== null && Atomics.load(wanted, 0) > 0 && Atomics.load(wanted, 0) !== asked);
  try {
    let trainer = engine.createTrainer(start.dataset, start.options, createJobKernels(start), start.checkpoint, { threads: asked, continueFinished: start.continueFinished === true });
    for (;;) {
      reporter.trainer = trainer;
      // The extra threads join before the first batch; they return to their idle loop at the end.
      const outcome = await helpers.run(trainer, createCallbacks(start, control, reporter, resize));
      if (outcome.reason === 'stopped' && stoppedToResize && Atomics.load(control, CONTROL_INDEX) === CONTROL_RUN) {
        // Another thread count from this epoch boundary on: the same state, hence the same bits.
        asked = Atomics.load(wanted!, 0);
        stoppedToResize = false;
        trainer = engine.createTrainer(start.dataset, start.options, engine.createKernels(trainer.kernelName, start.options.precision), trainer.snapshot(), { threads: asked });
        continue;
      }
      postOutcome(start, control, reporter, trainer, outcome);
      return;
    }
  } catch (err) {
    reporter.flushProgress(false);
    post({ type: 'error', jobId: start.jobId, error: toThreadError(err) });
  }
}

/**
 * Trains a tiny network once, on as many threads as this machine has cores (the most a job is
 * granted), before the thread says `ready`: the first job then finds the kernels compiled, the
 * trainer's code optimised and its helper threads started, instead of paying about 0.2 s more
 * setup than the jobs after it. A failure here is left to the first job to meet.
 */
async function warmUp(): Promise<void> {
  try {
    await helpers.run(createWorkloadTrainer(engine, 'auto', STEP_WORKLOAD, availableParallelism()));
  } catch {
    // the first job reports what fails
  }
}

await warmUp();
// Jobs run one at a time: the processor sends the next start only after done/stopped/error.
port.on('message', (message: StartMessage) => {
  if (message?.type === 'start') void runJob(message);
});
post({ type: 'ready' });
