/**
 * The protocol between a training processor (main thread) and its training thread.
 *
 * main → thread: {@link StartMessage} (one per job; the thread is persistent and takes the next
 * job after `done`, `stopped` or `error`). Control goes through a SharedArrayBuffer the thread's
 * `shouldStop` reads with `Atomics.load` between batches, so a cancel or a shutdown reaches a
 * synchronous training loop within one batch.
 *
 * thread → main: `ready` once after loading, then per job `progress` (batched curve points),
 * `checkpoint` (engine snapshot bytes, transferred), and exactly one of `done` (with the final
 * snapshot), `stopped`, `error`.
 * Errors cross as plain `{ code, message, epoch?, batch? }`: prototypes do not survive
 * `postMessage`, so compare by `code`.
 */
import type { CurvePoint } from '../src/contract/job.js';
import type { Dataset, TrainingOptions, TrainingOutcome } from '../src/engine/types.js';
import type { TestHooks } from '../src/queue/training-job-data.js';

/** Index of the control word in {@link StartMessage.control} (an Int32Array view). */
export const CONTROL_INDEX = 0;
/** Control word values. */
export const CONTROL_RUN = 0;
/** Stop at the next batch: the job was cancelled. */
export const CONTROL_CANCEL = 1;
/** Stop at the next batch and send a checkpoint: the process is shutting down and hands the job back. */
export const CONTROL_HANDBACK = 2;

/** Bytes of the control SharedArrayBuffer (one Int32). */
export const CONTROL_BYTES = 4;

/** The engine's kernel choice (`ENGINE_KERNELS`). */
export type KernelChoice = 'auto' | 'wasm-relaxed-simd' | 'wasm-simd' | 'ts';

export type { TestHooks } from '../src/queue/training-job-data.js';

/** Starts one training run on a thread. */
export interface StartMessage {
  type: 'start';
  jobId: string;
  options: TrainingOptions;
  /** The arrays' buffers are transferred, not copied. */
  dataset: Dataset;
  /** Engine snapshot to resume from (the checkpoint's bytes), or none for a fresh start. */
  checkpoint?: Uint8Array;
  /**
   * A finished `checkpoint` trains on up to `options.epochs` (a fork's first checkpoint, see
   * `CheckpointMeta.continueFinished`); otherwise a finished one ends the run at once.
   */
  continueFinished?: boolean;
  /** Training time already spent before the checkpoint, so `elapsedMs` keeps counting. */
  elapsedMsAtStart: number;
  /**
   * Kernel set to train with. On a resume, the set that wrote the checkpoint (kernels differ in
   * rounding, e.g. fused multiply-add), falling back to `fallbackKernels` where it is unavailable.
   */
  kernels: string;
  /** `ENGINE_KERNELS` of this worker, used when `kernels` cannot run here. */
  fallbackKernels: KernelChoice;
  /** Int32 control word ({@link CONTROL_RUN}, {@link CONTROL_CANCEL}, {@link CONTROL_HANDBACK}). */
  control: SharedArrayBuffer;
  /**
   * Minimum training time between two checkpoints, measured in the thread (0: every epoch).
   * Checkpoints are taken at epoch ends; an epoch longer than twice this also checkpoints
   * between its batches.
   */
  checkpointIntervalMs: number;
  /** Minimum time between two `progress` messages. */
  progressIntervalMs: number;
  testHooks?: TestHooks;
  /** Threads this job may train on, the training thread included (1: the training thread alone). */
  threads?: number;
  /**
   * An Int32 word the processor may change while the job runs (it re-balances the worker's cores
   * between jobs): the threads to train on from the next epoch on. Absent: `threads` throughout.
   */
  threadsWanted?: SharedArrayBuffer;
}

/** Messages the parent sends. */
export type ParentMessage = StartMessage;

/** Sent once when the thread has loaded the engine and waits for jobs. */
export interface ReadyMessage {
  type: 'ready';
}

/** New curve points and the latest state, at most every `progressIntervalMs`. */
export interface ProgressMessage {
  type: 'progress';
  jobId: string;
  /** Points to store (one per epoch), oldest first. */
  points: CurvePoint[];
  /** The most recent epoch's metrics, whether or not it was kept as a point. */
  latest: CurvePoint;
  /** Optimizer steps so far. */
  step: number;
  samplesPerSecond: number;
  epochsPerSecond: number;
  /** The kernel set in use. */
  kernel?: string;
}

/** A checkpoint of the whole training state (weights, optimizer moments, PRNG, position). */
export interface CheckpointMessage {
  type: 'checkpoint';
  jobId: string;
  bytes: Uint8Array;
  /** Completed epochs at the time of the snapshot. */
  epoch: number;
  /** Batches of the epoch in progress already applied (0 at an epoch boundary). */
  batch: number;
  step: number;
  elapsedMs: number;
  /** The kernel set in use. */
  kernel: string;
}

/** Training finished (all epochs or early stopping). */
export interface DoneMessage {
  type: 'done';
  jobId: string;
  /** `encodeWeights` bytes of the final weights. */
  weights: Uint8Array;
  outcome: TrainingOutcome;
  kernelName: string;
  elapsedMs: number;
  /** The final snapshot (weights, optimizer state, position; transferred): kept so the completed job can be forked. */
  checkpoint?: Omit<CheckpointMessage, 'type' | 'jobId'>;
}

/** Training stopped at a batch boundary because the control word asked for it. */
export interface StoppedMessage {
  type: 'stopped';
  jobId: string;
  reason: 'cancel' | 'handback';
  /** For a handback: the snapshot at the stopping point. */
  checkpoint?: Omit<CheckpointMessage, 'type' | 'jobId'>;
}

/** An error thrown by the engine (or the thread) while training. */
export interface ErrorMessage {
  type: 'error';
  jobId: string;
  error: ThreadError;
}

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  /** Engine codes (`diverged`, `invalid_data`) or `internal`. */
  code: string;
  message: string;
  epoch?: number;
  batch?: number;
}

/** Messages the thread sends. */
export type ThreadMessage = ReadyMessage | ProgressMessage | CheckpointMessage | DoneMessage | StoppedMessage | ErrorMessage;

/** `true` when `value` looks like a message a training thread sends. */
export function isThreadMessage(value: unknown): value is ThreadMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'progress' || type === 'checkpoint' || type === 'done' || type === 'stopped' || type === 'error';
}
