/**
 * SGD with classical momentum and decoupled weight decay:
 * `θ −= lr·wd·θ`; `u = μ·u + g`; `θ −= lr·u` (with μ = 0 this is plain SGD).
 */
import type { FloatArray, SgdOptions } from '../types.js';
import type { Optimizer } from './optimizer.js';

/** SGD over one flat parameter vector; `velocity` (u) is its state. */
export class Sgd implements Optimizer {
  readonly slots: readonly FloatArray[];

  /** @param velocity - momentum buffer u, zero-filled, from `kernels.allocate` */
  constructor(private readonly options: SgdOptions, readonly velocity: FloatArray) {
    this.slots = [velocity];
  }

  step(theta: FloatArray, g: FloatArray, _t: number, gradScale: number): void {
    const lr = this.options.learningRate;
    const mu = this.options.momentum;
    const decay = lr * this.options.weightDecay;
    const u = this.velocity;
    const n = theta.length;
    for (let i = 0; i < n; i++) {
      let th = theta[i];
      // θ −= lr·wd·θ
      if (decay !== 0) th -= decay * th;
      // u = μ·u + g
      const ui = mu * u[i] + g[i] * gradScale;
      u[i] = ui;
      // θ −= lr·u
      theta[i] = th - lr * ui;
    }
  }
}
