/** The trainer's public face: the {@link Trainer} a run is driven through and its settings. */
import type { TeamDescriptor } from './parallel/training-team.js';
import type { LayerWeights, TrainingCallbacks, TrainingOutcome } from './types.js';

/** A training run in progress; see {@link createTrainer}. */
export interface Trainer {
  /**
   * Trains until all epochs are done, early stopping triggers, or `callbacks.shouldStop()` returns
   * true between batches. Synchronous. Resumes where the checkpoint (or the previous `run`) left
   * off; after a finished run it returns the same outcome again.
   * @throws DivergenceError when the loss (every batch) or the weights (every epoch) stop being finite
   */
  run(callbacks?: TrainingCallbacks): TrainingOutcome;
  /** A compact binary checkpoint of everything that decides the future (see checkpoint.ts). */
  snapshot(): Uint8Array;
  /** Current weights (the best epoch's after early stopping with `restoreBestWeights`), contract JSON form. */
  getWeights(): LayerWeights[];
  /** Completed epochs. */
  readonly epoch: number;
  /** Optimizer steps so far (Adam's `t`). */
  readonly step: number;
  /** The kernel set's name. */
  readonly kernelName: string;
  /** Threads each step runs on (1, or the team's size). */
  readonly threads: number;
  /**
   * For a multi-threaded trainer: what each helper thread `i` (1 … threads−1) must be started
   * with, `runTeamHelper(descriptor, i)`; `run` blocks until every helper has joined. Else null.
   */
  readonly teamDescriptor: TeamDescriptor | null;
  /** Releases the helper threads (their `runTeamHelper` returns). The trainer must not run afterwards. */
  close(): void;
}

/** Extra settings of {@link createTrainer}: how it runs, and how it takes up a finished checkpoint. */
export interface TrainerSettings {
  /**
   * A finished checkpoint (its epochs all done, or stopped early) trains on up to `options.epochs`
   * (see `reopenRunState`): a fork of a completed job. Without it a finished checkpoint stays
   * finished and `run` returns its outcome at once (a retried job ends as it did). @defaultValue false
   */
  continueFinished?: boolean;
  /**
   * Threads to split each step across (the caller starts the helpers, see
   * {@link Trainer.teamDescriptor}); the weights are the same bits for any count. Honoured with
   * WebAssembly kernels and Adam, else 1. @defaultValue 1
   */
  threads?: number;
}
