/**
 * The scalar part of a training run that checkpoints carry (besides the arrays): where the run
 * is, the partial epoch's sums, early stopping's memory and the last losses. Kept in one object
 * so the trainer saves and restores it as a whole.
 */
import { FLAG_EARLY_STOPPED, FLAG_FINISHED, FLAG_HAS_BEST, type CheckpointHeader, type RunCarry } from './checkpoint.js';

/** Everything scalar that decides the rest of a run. */
export interface RunState extends RunCarry {
  /** Completed epochs. */
  epochsDone: number;
  /** Batches done in the epoch in progress. */
  batchCursor: number;
  /** Optimizer steps (Adam's t). */
  steps: number;
  /** Early stopping holds best weights. */
  hasBest: boolean;
  finished: boolean;
  earlyStopped: boolean;
}

/** A fresh run's state. */
export function initialRunState(): RunState {
  return {
    epochsDone: 0, batchCursor: 0, steps: 0, lossSum: 0, seen: 0, correct: 0, esBest: Infinity, esWait: 0, esBestEpoch: 0,
    hasBest: false, lastLoss: NaN, bestValLoss: NaN, finished: false, earlyStopped: false,
  };
}

/** The run's fixed shape, checked against a checkpoint before restoring it. */
export type RunShape = Pick<CheckpointHeader, 'bytesPerNumber' | 'slotCount' | 'paramCount' | 'trainRows' | 'valRows' | 'batchSize'>;

/** The checkpoint header for `state` of a run of `shape` with shuffle PRNG state `rngState`. */
export function runStateHeader(state: RunState, shape: RunShape, rngState: ArrayLike<number>): CheckpointHeader {
  const flags = (state.finished ? FLAG_FINISHED : 0) | (state.earlyStopped ? FLAG_EARLY_STOPPED : 0) | (state.hasBest ? FLAG_HAS_BEST : 0);
  return {
    ...shape, epoch: state.epochsDone, batch: state.batchCursor, step: state.steps, flags, rngState,
    lossSum: state.lossSum, seen: state.seen, correct: state.correct, esBest: state.esBest, esWait: state.esWait,
    esBestEpoch: state.esBestEpoch, lastLoss: state.lastLoss, bestValLoss: state.bestValLoss,
  };
}

/** The state a checkpoint header holds. */
export function runStateFromHeader(h: CheckpointHeader): RunState {
  return {
    epochsDone: h.epoch, batchCursor: h.batch, steps: h.step, lossSum: h.lossSum, seen: h.seen, correct: h.correct,
    esBest: h.esBest, esWait: h.esWait, esBestEpoch: h.esBestEpoch, hasBest: (h.flags & FLAG_HAS_BEST) !== 0,
    lastLoss: h.lastLoss, bestValLoss: h.bestValLoss, finished: (h.flags & FLAG_FINISHED) !== 0,
    earlyStopped: (h.flags & FLAG_EARLY_STOPPED) !== 0,
  };
}

/**
 * A finished run's state reopened to train on up to `epochs` (a fork of a completed job, or of
 * a snapshot taken as early stopping ended): `finished` is cleared, and after an early stop so
 * is the stop, with a fresh `patience` window (`wait` 0) measured against the best value so far
 * (`esBest`, its epoch and best weights are kept). A run that reached its epochs keeps its
 * early-stopping counters, so it goes on exactly as an uninterrupted run of `epochs` would.
 * Unchanged when not finished or when `epochs` leaves nothing to train.
 */
export function reopenRunState(state: RunState, epochs: number): RunState {
  if (!state.finished || state.epochsDone >= epochs) return state;
  if (!state.earlyStopped) return { ...state, finished: false };
  return { ...state, finished: false, earlyStopped: false, esWait: 0 };
}
