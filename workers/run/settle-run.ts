/**
 * What a finished training run means for the job, decided without any I/O: {@link settleRun}
 * takes how the thread ended plus what the run's control saw, and returns what to write.
 * The caller ({@link TrainingRun}) performs the writes.
 */
import type { JobError, ResultMetrics } from '../../src/contract/job.js';
import type { DivergedMarker } from '../../src/store/metrics-store.js';
import type { CheckpointMessage, ThreadError } from '../thread-messages.js';
import type { RunEnd } from '../thread-pool.js';

/** A checkpoint as the thread sends it, without the message envelope. */
export type Snapshot = Omit<CheckpointMessage, 'type' | 'jobId'>;

/** What the run's control saw happen to it (see {@link RunControl}). */
export interface ControlState {
  /** A cancel was requested (API, or the record left `running`). */
  cancelled: boolean;
  /** The wall-clock limit terminated the thread. */
  timedOut: boolean;
  /** The process is shutting down and hands the job back. */
  handingBack: boolean;
  /** A pause was requested: checkpoint and give the thread back, the job waits for a resume. */
  pausing: boolean;
  /** The job's lock was lost: another worker owns it. */
  abandoned: boolean;
}

/** Everything {@link settleRun} decides from. */
export interface RunOutcome {
  end: RunEnd;
  control: ControlState;
  /** The run started from a stored checkpoint. */
  resumed: boolean;
  /** The last epoch the thread reported (0 when none). */
  lastEpoch: number;
  /** Training time at that epoch. */
  lastElapsedMs: number;
  /** `MAX_JOB_SECONDS`, for the timeout message. */
  maxJobSeconds: number;
}

/** What to write for a run; exactly one of these. */
export type Settlement =
  /** Write nothing: another worker owns the job (throw {@link LockLostError}). */
  | { kind: 'lock-lost' }
  /** Mark the job `cancelled`. */
  | { kind: 'cancel' }
  /**
   * Save `checkpoint` (when given) and put the job back in the queue for another worker
   * (`beforeStart`: the process began shutting down before a thread was free).
   */
  | { kind: 'hand-back'; checkpoint?: Snapshot; beforeStart?: true }
  /** Save `checkpoint` (when given) and mark the job `paused`; it stays out of the queue. */
  | { kind: 'pause'; checkpoint?: Snapshot }
  /** Store the result (and the final snapshot, when sent) and mark the job `completed`. */
  | { kind: 'complete'; weights: Uint8Array; metrics: ResultMetrics; kernel: string; checkpoint?: Snapshot }
  /**
   * Mark the job `failed` with `error`; no retry. `marker` is appended to the curve first;
   * `unexpected` is an engine error worth logging in full.
   */
  | { kind: 'fail'; error: JobError; marker?: DivergedMarker; unexpected?: ThreadError }
  /** Drop the unusable checkpoint and let BullMQ retry the job from the start. */
  | { kind: 'restart'; reason: string };

/** A `JobError`, with `epoch` only when known. */
export function jobError(code: string, message: string, epoch?: number): JobError {
  return epoch === undefined ? { code, message } : { code, message, epoch };
}

function settleDeath(outcome: RunOutcome, end: Extract<RunEnd, { kind: 'died' }>): Settlement {
  const { control } = outcome;
  if (control.cancelled) return { kind: 'cancel' };
  if (control.timedOut) return { kind: 'fail', error: jobError('timeout', `the job ran longer than ${outcome.maxJobSeconds} s`) };
  // A loop that would not stop in time was terminated: the job goes on from its last checkpoint.
  if (control.pausing) return { kind: 'pause' };
  if (control.handingBack) return { kind: 'hand-back' };
  if (end.code === 'out_of_memory') return { kind: 'fail', error: jobError('out_of_memory', 'the training thread ran out of memory') };
  return { kind: 'fail', error: jobError('thread_crashed', end.message) };
}

function settleError(outcome: RunOutcome, error: ThreadError): Settlement {
  if (error.code === 'diverged') {
    const epoch = error.epoch ?? outcome.lastEpoch + 1;
    return {
      kind: 'fail',
      error: jobError('diverged', error.message, error.epoch),
      marker: { epoch, diverged: true, elapsedMs: outcome.lastElapsedMs },
    };
  }
  // A checkpoint this engine cannot read (e.g. written by another engine version): start over
  // rather than fail the job.
  if (error.code === 'invalid_data' && outcome.resumed && /checkpoint/i.test(error.message)) return { kind: 'restart', reason: error.message };
  if (error.code === 'invalid_data') return { kind: 'fail', error: jobError('invalid_data', error.message) };
  return { kind: 'fail', error: jobError('internal', 'training failed with an internal error'), unexpected: error };
}

/**
 * Decides what a finished run writes. Pure: the same outcome always gives the same settlement.
 * Precedence: a lost lock wins over everything (nothing may be written); then a cancel; then
 * a pause over a shutdown's hand-back; then the way the thread ended.
 */
export function settleRun(outcome: RunOutcome): Settlement {
  const { end, control } = outcome;
  if (control.abandoned) return { kind: 'lock-lost' };
  if (end.kind === 'died') return settleDeath(outcome, end);
  const message = end.message;
  if (message.type === 'done') {
    const metrics: ResultMetrics = {
      finalLoss: message.outcome.finalLoss,
      epochsRun: message.outcome.epochsRun,
      stoppedEarly: message.outcome.stoppedEarly,
      durationMs: message.elapsedMs,
      ...(message.outcome.bestValLoss !== undefined ? { bestValLoss: message.outcome.bestValLoss } : {}),
    };
    const final = message.checkpoint ? { checkpoint: message.checkpoint } : {};
    return { kind: 'complete', weights: message.weights, metrics, kernel: message.kernelName, ...final };
  }
  if (message.type === 'stopped') {
    if (message.reason === 'handback' && !control.cancelled) {
      const checkpoint = message.checkpoint;
      // A pause wins over a shutdown's hand-back: the user asked for the job to wait.
      if (control.pausing) return checkpoint ? { kind: 'pause', checkpoint } : { kind: 'pause' };
      return checkpoint ? { kind: 'hand-back', checkpoint } : { kind: 'hand-back' };
    }
    return { kind: 'cancel' };
  }
  return settleError(outcome, message.error);
}
