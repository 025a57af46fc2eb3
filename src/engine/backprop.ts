/**
 * Forward and backward passes over a stack of {@link DenseLayer}s, shared by the trainer and by
 * {@link computeGradient} (which the gradient tests check against finite differences).
 */
import { DenseLayer } from './dense-layer.js';
import { computeLoss } from './losses.js';
import { assertNetworkSpec, layerShapes, outputSize, parameterCount, weightsToFlat } from './network.js';
import type { FloatArray, Kernels, LayerWeights, LossName, NetworkSpec } from './types.js';

/**
 * Layers viewing the flat parameters `theta` and gradient `grad`; `activations` holds three
 * `batch × units` buffers (z, a, dz) per layer, in layer order.
 */
export function createLayers(network: NetworkSpec, theta: FloatArray, grad: FloatArray, activations: FloatArray[]): DenseLayer[] {
  let next = 0;
  return layerShapes(network).map((s, l) => {
    const wEnd = s.wOffset + s.units * s.inSize;
    const bEnd = s.bOffset + s.units;
    return new DenseLayer(
      s.inSize, s.units, network.layers[l].activation,
      theta.subarray(s.wOffset, wEnd), theta.subarray(s.bOffset, bEnd),
      grad.subarray(s.wOffset, wEnd), grad.subarray(s.bOffset, bEnd),
      activations[next++], activations[next++], activations[next++],
    );
  });
}

/** `a^l = act(W^l·a^(l−1) + b^l)` for every layer, starting from `a^0 = x` (`rows` samples). */
export function forwardPass(layers: readonly DenseLayer[], kernels: Kernels, x: FloatArray, rows: number): void {
  let input = x;
  for (let l = 0; l < layers.length; l++) {
    layers[l].forward(kernels, input, rows);
    input = layers[l].a;
  }
}

/**
 * Backpropagation from δ^L = ∂C/∂z^L, already in the last layer's `dz`:
 * `∂C/∂W^l = δ^lᵀ·a^(l−1)`, `∂C/∂b^l = Σ_rows δ^l`, `δ^(l−1) = (δ^l·W^l) ⊙ act'(z^(l−1))`.
 * The input layer's δ is never needed, so its `dA_prev` product is skipped.
 */
export function backwardPass(layers: readonly DenseLayer[], kernels: Kernels, x: FloatArray, rows: number): void {
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l];
    if (l === 0) {
      layer.backward(kernels, x, rows, null);
      break;
    }
    const prev = layers[l - 1];
    layer.backward(kernels, prev.a, rows, prev.dz);
    // Only the last layer may be softmax (assertNetworkSpec), so prev's derivative is elementwise.
    kernels.activationBackward(prev.dz, prev.z, prev.a, rows * prev.units, prev.activation as Exclude<typeof prev.activation, 'softmax'>);
  }
}

/**
 * The batch loss of `rows` samples and its gradient with respect to every parameter, in the flat
 * layout of `encodeWeights` (layer by layer `W` row-major, then `b`). For tests and tools.
 * @throws ShapeError when weights or data do not fit
 */
export function computeGradient(
  network: NetworkSpec, loss: LossName, weights: LayerWeights[], inputs: ArrayLike<number>, targets: ArrayLike<number>,
  rows: number, kernels: Kernels,
): { loss: number; gradient: Float64Array } {
  assertNetworkSpec(network);
  const P = parameterCount(network);
  const out = outputSize(network);
  const lengths = [P, P, rows * network.inputSize, rows * out];
  for (const l of network.layers) lengths.push(rows * l.units, rows * l.units, rows * l.units);
  const [theta, grad, x, y, ...acts] = kernels.allocate(lengths);
  weightsToFlat(network, weights, theta);
  for (let i = 0; i < rows * network.inputSize; i++) x[i] = inputs[i];
  for (let i = 0; i < rows * out; i++) y[i] = targets[i];
  const layers = createLayers(network, theta, grad, acts);
  forwardPass(layers, kernels, x, rows);
  const last = layers[layers.length - 1];
  const value = computeLoss(loss, last.activation, last.z, last.a, y, rows, out, last.dz, kernels);
  backwardPass(layers, kernels, x, rows);
  return { loss: value, gradient: Float64Array.from(grad) };
}

/** The batch loss of `rows` samples (forward only). For tests and tools. */
export function computeBatchLoss(
  network: NetworkSpec, loss: LossName, weights: LayerWeights[], inputs: ArrayLike<number>, targets: ArrayLike<number>,
  rows: number, kernels: Kernels,
): number {
  return computeGradient(network, loss, weights, inputs, targets, rows, kernels).loss;
}
