/**
 * The three losses exactly as docs/mathematics.md defines them, as means over the batch, with
 * their gradients with respect to the output layer's pre-activations `z` (B rows × n outputs):
 * - `mse` = (1/(B·n)) Σ (a − y)²
 * - `cross_entropy` = −(1/B) Σ_b Σ_j y·log a (softmax output: fused gradient from the logits)
 * - `binary_cross_entropy` = −(1/(B·n)) Σ (y·log a + (1 − y)·log(1 − a)) (sigmoid output: computed
 *   from the logits, stable near 0 and 1)
 * Loss sums run in doubles whatever the buffer precision.
 */
import type { Activation, FloatArray, Kernels, LossName } from './types.js';

/** Every loss of docs/mathematics.md. */
export const LOSSES: readonly LossName[] = ['mse', 'cross_entropy', 'binary_cross_entropy'];

/** Whether the loss reports accuracy (classification losses). */
export function hasAccuracy(loss: LossName): boolean {
  return loss !== 'mse';
}

/**
 * The batch loss of outputs `a` (pre-activations `z`) against targets `y`, both `rows × cols`.
 * When `dz` is given, writes ∂loss/∂z into it (the output layer's error δ^L), applying the
 * output activation's derivative with `kernels` where the gradient is not fused.
 */
export function computeLoss(
  loss: LossName, activation: Activation, z: FloatArray, a: FloatArray, y: FloatArray,
  rows: number, cols: number, dz: FloatArray | null, kernels: Kernels,
): number {
  const len = rows * cols;
  if (loss === 'mse') {
    // C = (1/(B·n)) Σ (a − y)²;  ∂C/∂a = 2(a − y)/(B·n)
    const scale = 2 / len;
    let sum = 0;
    for (let i = 0; i < len; i++) {
      const d = a[i] - y[i];
      sum += d * d;
      if (dz) dz[i] = scale * d;
    }
    if (dz) applyActivationDerivative(activation, z, a, dz, rows, cols, kernels);
    return sum / len;
  }
  if (loss === 'cross_entropy') {
    if (activation === 'softmax') {
      // log a_j = z_j − max − log Σ_k e^(z_k − max) (log-softmax from the logits: no log 0)
      // C = −(1/B) Σ_b Σ_j y·log a;  ∂C/∂z_j = (a_j·Σ_k y_k − y_j)/B (= (a − y)/B for one-hot y)
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        let max = -Infinity;
        for (let j = 0; j < cols; j++) if (z[o + j] > max) max = z[o + j];
        let se = 0;
        for (let j = 0; j < cols; j++) se += Math.exp(z[o + j] - max);
        const logSum = max + Math.log(se);
        let ySum = 0;
        for (let j = 0; j < cols; j++) {
          const yj = y[o + j];
          ySum += yj;
          // 0·log a counts as 0, as in the definition's limit.
          if (yj !== 0) sum -= yj * (z[o + j] - logSum);
        }
        if (dz) for (let j = 0; j < cols; j++) dz[o + j] = (a[o + j] * ySum - y[o + j]) / rows;
      }
      return sum / rows;
    }
    // Any other output activation: ∂C/∂a = −y/(a·B), then through act'.
    let sum = 0;
    for (let i = 0; i < len; i++) {
      const yi = y[i];
      if (yi !== 0) sum -= yi * Math.log(a[i]);
      if (dz) dz[i] = yi === 0 ? 0 : -yi / (a[i] * rows);
    }
    if (dz) applyActivationDerivative(activation, z, a, dz, rows, cols, kernels);
    return sum / rows;
  }
  if (activation === 'sigmoid') {
    // Per element, from the logit: ℓ = max(z, 0) − z·y + log(1 + e^−|z|);  ∂C/∂z = (σ(z) − y)/(B·n)
    let sum = 0;
    for (let i = 0; i < len; i++) {
      const zi = z[i], yi = y[i];
      sum += (zi > 0 ? zi : 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)));
      if (dz) dz[i] = (a[i] - yi) / len;
    }
    return sum / len;
  }
  // Any other output activation: ℓ = −(y·log a + (1 − y)·log(1 − a)), ∂ℓ/∂a = (a − y)/(a·(1 − a))
  let sum = 0;
  for (let i = 0; i < len; i++) {
    const ai = a[i], yi = y[i];
    sum -= (yi !== 0 ? yi * Math.log(ai) : 0) + (yi !== 1 ? (1 - yi) * Math.log(1 - ai) : 0);
    if (dz) dz[i] = (ai - yi) / (ai * (1 - ai) * len);
  }
  if (dz) applyActivationDerivative(activation, z, a, dz, rows, cols, kernels);
  return sum / len;
}

/** Turns ∂C/∂a in `dz` into ∂C/∂z for the output activation. */
function applyActivationDerivative(
  activation: Activation, z: FloatArray, a: FloatArray, dz: FloatArray, rows: number, cols: number, kernels: Kernels,
): void {
  if (activation !== 'softmax') {
    kernels.activationBackward(dz, z, a, rows * cols, activation);
    return;
  }
  // Softmax Jacobian per row: ∂C/∂z_j = a_j·(∂C/∂a_j − Σ_k ∂C/∂a_k·a_k)
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dz[o + j] * a[o + j];
    for (let j = 0; j < cols; j++) dz[o + j] = a[o + j] * (dz[o + j] - dot);
  }
}

/**
 * Correct predictions in a batch: rows whose argmax matches the target's (`cross_entropy`,
 * Keras' categorical accuracy) or elements where `a > 0.5` matches `y > 0.5` (`binary_cross_entropy`).
 * Divide by {@link accuracyUnits} to get the accuracy.
 */
export function countCorrect(loss: LossName, a: FloatArray, y: FloatArray, rows: number, cols: number): number {
  let correct = 0;
  if (loss === 'binary_cross_entropy') {
    const len = rows * cols;
    for (let i = 0; i < len; i++) if ((a[i] > 0.5) === (y[i] > 0.5)) correct++;
    return correct;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let ai = 0, yi = 0;
    for (let j = 1; j < cols; j++) {
      if (a[o + j] > a[o + ai]) ai = j;
      if (y[o + j] > y[o + yi]) yi = j;
    }
    if (ai === yi) correct++;
  }
  return correct;
}

/** How many units of {@link countCorrect} one sample contributes. */
export function accuracyUnits(loss: LossName, cols: number): number {
  return loss === 'binary_cross_entropy' ? cols : 1;
}
