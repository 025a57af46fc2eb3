/** What the trainer needs from an optimiser: its state buffers (checkpointed) and one step. */
import type { FloatArray } from '../types.js';

/** An optimiser over one flat parameter vector θ with gradient g (both `length` long). */
export interface Optimizer {
  /** State buffers, each `length` long, saved in checkpoints in this order (Adam: m, v). */
  readonly slots: readonly FloatArray[];
  /**
   * Applies step `t` (1-based) to θ in place. `gradScale` multiplies g first (gradient clipping).
   */
  step(theta: FloatArray, g: FloatArray, t: number, gradScale: number): void;
}

/** Number of state buffers the optimiser keeps per parameter. */
export function optimizerSlotCount(type: 'adam' | 'sgd'): number {
  return type === 'adam' ? 2 : 1;
}
