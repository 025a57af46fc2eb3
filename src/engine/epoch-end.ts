/**
 * Closing an epoch: its metrics (Keras' batch-size-weighted loss, accuracy, validation), the
 * reset of the per-epoch sums, and early stopping with the best weights kept and restored.
 */
import type { RunState } from './run-state.js';
import type { EpochMetrics, FloatArray, TrainingOptions } from './types.js';

/** What the trainer measured for the epoch being closed, and the buffers early stopping uses. */
export interface EpochEnd {
  theta: FloatArray;
  /** Where early stopping keeps the best weights (null when it does not). */
  best: FloatArray | null;
  validation: { valLoss: number; valAccuracy: number } | null;
  withAccuracy: boolean;
  /** Accuracy units per sample (losses.ts `accuracyUnits`). */
  accuracyUnits: number;
  /** Whether the run has validation rows. */
  monitorVal: boolean;
}

/** Updates `st` for the end of the epoch in progress and returns its metrics. */
export function closeEpoch(st: RunState, o: TrainingOptions, end: EpochEnd): EpochMetrics {
  const epoch = st.epochsDone + 1;
  // Epoch loss = Σ batchLoss·rows / Σ rows (Keras' batch-size-weighted mean)
  const loss = st.lossSum / st.seen;
  const metrics: EpochMetrics = { epoch, loss };
  if (end.withAccuracy) metrics.accuracy = st.correct / (st.seen * end.accuracyUnits);
  const v = end.validation;
  if (v) {
    metrics.valLoss = v.valLoss;
    if (end.withAccuracy) metrics.valAccuracy = v.valAccuracy;
    if (Number.isNaN(st.bestValLoss) || v.valLoss < st.bestValLoss) st.bestValLoss = v.valLoss;
  }
  st.lastLoss = loss;
  st.epochsDone = epoch;
  st.batchCursor = 0;
  st.lossSum = 0;
  st.seen = 0;
  st.correct = 0;
  const es = o.earlyStopping;
  if (es) {
    // Early stopping watches val_loss when asked (the default) and there are validation rows;
    // without validation rows it falls back to the training loss rather than never stopping.
    const monitorVal = end.monitorVal && (es.monitor ?? 'val_loss') === 'val_loss';
    // Keras EarlyStopping: wait += 1; an improvement is current < best − minDelta (resets wait
    // and records the weights); stop once wait ≥ patience.
    const current = monitorVal ? (metrics.valLoss as number) : loss;
    st.esWait++;
    if (current < st.esBest - es.minDelta) {
      st.esBest = current;
      st.esBestEpoch = epoch;
      st.esWait = 0;
      if (end.best) {
        end.best.set(end.theta);
        st.hasBest = true;
      }
    } else if (st.esWait >= es.patience) {
      st.earlyStopped = true;
      st.finished = true;
      if (end.best && st.hasBest) end.theta.set(end.best);
    }
  }
  if (!st.finished && st.epochsDone >= o.epochs) {
    st.finished = true;
    if (end.best && st.hasBest) end.theta.set(end.best);
  }
  return metrics;
}
