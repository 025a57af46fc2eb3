/**
 * The training thread: a persistent `worker_threads` entry that runs one job at a time with the
 * engine's trainer. It never touches Redis; it posts progress, checkpoints and the outcome to the
 * processor (see thread-messages.ts) and reads the control word between batches.
 */
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

async function runJob(start: StartMessage): Promise<void> {
  const { jobId, options, testHooks: hooks = {} } = start;
  const control = new Int32Array(start.control);
  const clockStart = performance.now();
  const elapsedMs = (): number => Math.round(start.elapsedMsAtStart + (performance.now() - clockStart));
  let lastCheckpointAt = performance.now();
  let lastProgressAt = performance.now();
  let pending: CurvePoint[] = [];
  let latest: CurvePoint | undefined;
  let lastKeptEpoch = 0;
  let windowStart = performance.now();
  let windowEpochs = 0;
  let windowSamples = 0;
  let epochsPerSecond = 0;
  let samplesPerSecond = 0;
  let trainer: import('../src/engine/index.js').Trainer | undefined;
  const trainRows = engine.trainRowCount(start.dataset.samples, options.validationSplit);

  // Throughput over windows of about a second (or whatever ran, for short jobs).
  const updateRates = (force: boolean): void => {
    const now = performance.now();
    const span = now - windowStart;
    if (span >= 1_000 || (force && span > 0 && windowEpochs > 0)) {
      epochsPerSecond = (windowEpochs * 1_000) / span;
      samplesPerSecond = (windowSamples * 1_000) / span;
      windowStart = now;
      windowEpochs = 0;
      windowSamples = 0;
    }
  };

  const flushProgress = (forceLast: boolean): void => {
    if (!latest) return;
    if (epochsPerSecond === 0 || forceLast) updateRates(true);
    if (forceLast && latest.epoch > lastKeptEpoch) {
      pending.push(latest);
      lastKeptEpoch = latest.epoch;
    }
    post({ type: 'progress', jobId, points: pending, latest, step: trainer?.step ?? 0, samplesPerSecond, epochsPerSecond, ...(trainer ? { kernel: trainer.kernelName } : {}) });
    pending = [];
    lastProgressAt = performance.now();
  };

  const checkpoint = (): Omit<CheckpointMessage, 'type' | 'jobId'> => {
    const bytes = ownedBytes(trainer!.snapshot());
    const info = engine.checkpointInfo(bytes);
    lastCheckpointAt = performance.now();
    return { bytes, epoch: info.epoch, batch: info.batch, step: info.step, elapsedMs: elapsedMs(), kernel: trainer!.kernelName };
  };

  const postCheckpoint = (): void => {
    // Points before their checkpoint, so the processor can store them first.
    flushProgress(false);
    const snapshot = checkpoint();
    post({ type: 'checkpoint', jobId, ...snapshot }, [snapshot.bytes.buffer as ArrayBuffer]);
  };

  const interval = start.checkpointIntervalMs;
  const callbacks: TrainingCallbacks = {
    onBatch() {
      // An epoch much longer than the interval also checkpoints between its batches.
      if (interval > 0 && performance.now() - lastCheckpointAt >= 2 * interval) postCheckpoint();
    },
    onEpoch(metrics: EpochMetrics) {
      const point: CurvePoint = { ...metrics, elapsedMs: elapsedMs() };
      latest = point;
      // One curve point per epoch.
      pending.push(point);
      lastKeptEpoch = metrics.epoch;
      windowEpochs += 1;
      windowSamples += trainRows;
      updateRates(false);
      if (hooks.epochDelayMs) sleepMs(hooks.epochDelayMs);
      if (hooks.throwAtEpoch === metrics.epoch) throw new Error(`test hook: thrown at epoch ${metrics.epoch}`);
      if (hooks.crashAtEpoch === metrics.epoch) process.exit(70);
      if (hooks.allocateAtEpoch === metrics.epoch) exhaustHeap();
      // Poison the data the trainer reads, so the next epoch's first batch has a NaN loss.
      if (hooks.nanAtEpoch === metrics.epoch + 1) start.dataset.inputs.fill(Number.NaN);
      if (hooks.stopAfterEpoch === metrics.epoch) Atomics.store(control, CONTROL_INDEX, CONTROL_HANDBACK);
      if (performance.now() - lastProgressAt >= start.progressIntervalMs) flushProgress(false);
      if (performance.now() - lastCheckpointAt >= interval && metrics.epoch < options.epochs) postCheckpoint();
    },
    shouldStop() {
      return Atomics.load(control, CONTROL_INDEX) !== CONTROL_RUN;
    },
  };

  try {
    let kernels;
    try {
      kernels = engine.createKernels(start.kernels, options.precision);
    } catch {
      // The checkpoint's kernel set does not run here: the resume continues, maybe not bit-identically.
      kernels = engine.createKernels(start.fallbackKernels, options.precision);
    }
    trainer = engine.createTrainer(start.dataset, options, kernels, start.checkpoint, { threads: start.threads ?? 1 });
    // The extra threads join before the first batch; they return to their idle loop at the end.
    await helpers.attach(trainer);
    let outcome;
    try {
      outcome = trainer.run(callbacks);
    } finally {
      await helpers.detach(trainer);
    }
    if (outcome.reason === 'stopped') {
      flushProgress(false);
      if (Atomics.load(control, CONTROL_INDEX) === CONTROL_HANDBACK) {
        // (progress was flushed just above, so its points precede the checkpoint)
        const snapshot = checkpoint();
        post({ type: 'stopped', jobId, reason: 'handback', checkpoint: snapshot }, [snapshot.bytes.buffer as ArrayBuffer]);
      } else {
        post({ type: 'stopped', jobId, reason: 'cancel' });
      }
      return;
    }
    flushProgress(true);
    const weights = ownedBytes(engine.encodeWeights(options.network, trainer.getWeights()));
    post({ type: 'done', jobId, weights, outcome, kernelName: trainer.kernelName, elapsedMs: elapsedMs() }, [weights.buffer as ArrayBuffer]);
  } catch (err) {
    flushProgress(false);
    post({ type: 'error', jobId, error: toThreadError(err) });
  }
}

// Jobs run one at a time: the processor sends the next start only after done/stopped/error.
port.on('message', (message: StartMessage) => {
  if (message?.type === 'start') void runJob(message);
});
post({ type: 'ready' });
