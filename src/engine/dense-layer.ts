/**
 * One dense layer over batches: forward `Z = A_prev·Wᵀ + b`, `A = act(Z)` (batch-major rows), and
 * right below it the backward pass: `dW = dZᵀ·A_prev`, `db = Σ_rows dZ`, `dA_prev = dZ·W`.
 * `W` is row-major `units × inSize`, so `W[j][k]` is `W[j·inSize + k]` (docs/mathematics.md).
 */
import type { Activation, FloatArray, Kernels } from './types.js';

/** A dense layer's views into the trainer's flat buffers (no memory of its own). */
export class DenseLayer {
  /**
   * @param W - weights, `units × inSize`, a view into θ
   * @param b - biases, `units`, a view into θ
   * @param dW - ∂C/∂W, a view into the gradient vector
   * @param db - ∂C/∂b, a view into the gradient vector
   * @param z - pre-activations, `batch × units`
   * @param a - activations, `batch × units`
   * @param dz - ∂C/∂z, `batch × units`
   */
  constructor(
    readonly inSize: number,
    readonly units: number,
    readonly activation: Activation,
    readonly W: FloatArray,
    readonly b: FloatArray,
    readonly dW: FloatArray,
    readonly db: FloatArray,
    readonly z: FloatArray,
    readonly a: FloatArray,
    readonly dz: FloatArray,
  ) {}

  /** `z = a_prev·Wᵀ + b`, `a = act(z)` for `rows` samples. */
  forward(kernels: Kernels, input: FloatArray, rows: number): void {
    // z[r][j] = Σ_k a_prev[r][k]·W[j][k]
    kernels.matMulTransB(input, this.W, this.z, rows, this.inSize, this.units);
    // z[r][j] += b[j]; a = act(z)
    kernels.biasActivation(this.z, this.b, this.a, rows, this.units, this.activation);
  }

  /**
   * From this layer's δ = ∂C/∂z (in `dz`, already through act'): the parameter gradients and,
   * when `dInput` is given, ∂C/∂a_prev (not yet through the previous layer's act').
   */
  backward(kernels: Kernels, input: FloatArray, rows: number, dInput: FloatArray | null): void {
    // ∂C/∂W[j][k] = Σ_r δ[r][j]·a_prev[r][k]
    kernels.matMulTransA(this.dz, input, this.dW, this.units, rows, this.inSize);
    // ∂C/∂b[j] = Σ_r δ[r][j]
    kernels.sumRows(this.dz, this.db, rows, this.units);
    // ∂C/∂a_prev[r][k] = Σ_j δ[r][j]·W[j][k]
    if (dInput) kernels.matMul(this.dz, this.W, dInput, rows, this.units, this.inSize);
  }
}
