/**
 * Adam with decoupled weight decay (AdamW), exactly as docs/mathematics.md writes it, step t from 1:
 * `θ −= lr·wd·θ`; `m = β1·m + (1−β1)·g`; `v = β2·v + (1−β2)·g²`;
 * `θ −= lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + ε)`. Weight decay applies to biases too, as in
 * PyTorch's AdamW. The element loop is {@link Kernels.adamStep}.
 */
import type { AdamOptions, FloatArray, Kernels } from '../types.js';
import type { Optimizer } from './optimizer.js';

/** Adam over one flat parameter vector; `firstMoment` (m) and `secondMoment` (v) are its state. */
export class Adam implements Optimizer {
  readonly slots: readonly FloatArray[];

  /**
   * @param m - first moment m, zero-filled, from `kernels.allocate`
   * @param v - second moment v, zero-filled, from `kernels.allocate`
   */
  constructor(
    private readonly kernels: Kernels,
    private readonly options: AdamOptions,
    readonly firstMoment: FloatArray,
    readonly secondMoment: FloatArray,
  ) {
    this.slots = [firstMoment, secondMoment];
  }

  step(theta: FloatArray, g: FloatArray, t: number, gradScale: number): void {
    const o = this.options;
    this.kernels.adamStep(
      theta, g, this.firstMoment, this.secondMoment, theta.length,
      o.learningRate, o.beta1, o.beta2, o.epsilon, o.weightDecay, t, gradScale,
    );
  }
}
