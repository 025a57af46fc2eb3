/**
 * Network shapes, the flat parameter layout, initialisation, the weights codec and inference.
 * The flat layout is layer by layer `W` (row-major `units × inSize`) then `b`: the order of
 * {@link encodeWeights} and of every checkpoint.
 */
import { isActivation, isReluFamily } from './activations.js';
import { DenseLayer } from './dense-layer.js';
import { ShapeError } from './errors.js';
import { readLittleEndian, writeLittleEndian } from './matrix.js';
import { Rng } from './rng.js';
import type { FloatArray, InitName, Kernels, LayerWeights, NetworkSpec } from './types.js';

/** Where one layer's parameters sit in the flat vector. */
export interface LayerShape {
  inSize: number;
  units: number;
  /** Offset of `W[0][0]`; `b[0]` is at `wOffset + units·inSize`. */
  wOffset: number;
  bOffset: number;
}

const INITS: readonly InitName[] = ['auto', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal'];

/**
 * Checks a network spec: positive integer sizes, known activations, softmax on the last layer only.
 * @throws ShapeError
 */
export function assertNetworkSpec(network: NetworkSpec): void {
  if (!network || !Number.isInteger(network.inputSize) || network.inputSize < 1) {
    throw new ShapeError('network.inputSize must be a positive integer');
  }
  if (!Array.isArray(network.layers) || network.layers.length === 0) {
    throw new ShapeError('network.layers must list at least one layer');
  }
  network.layers.forEach((layer, i) => {
    if (!Number.isInteger(layer.units) || layer.units < 1) throw new ShapeError(`layers[${i}].units must be a positive integer`);
    if (!isActivation(layer.activation)) throw new ShapeError(`layers[${i}].activation ${JSON.stringify(layer.activation)} is unknown`);
    if (layer.activation === 'softmax' && i !== network.layers.length - 1) {
      throw new ShapeError(`layers[${i}]: softmax is allowed on the last layer only`);
    }
  });
}

/** Each layer's sizes and offsets in the flat parameter vector. */
export function layerShapes(network: NetworkSpec): LayerShape[] {
  const shapes: LayerShape[] = [];
  let inSize = network.inputSize;
  let offset = 0;
  for (const layer of network.layers) {
    const units = layer.units;
    shapes.push({ inSize, units, wOffset: offset, bOffset: offset + units * inSize });
    offset += units * inSize + units;
    inSize = units;
  }
  return shapes;
}

/** Number of trainable parameters: Σ (in × out + out) over the layers. */
export function parameterCount(network: NetworkSpec): number {
  let count = 0;
  let inSize = network.inputSize;
  for (const layer of network.layers) {
    count += inSize * layer.units + layer.units;
    inSize = layer.units;
  }
  return count;
}

/** Output width of the network (the last layer's units). */
export function outputSize(network: NetworkSpec): number {
  return network.layers[network.layers.length - 1].units;
}

/**
 * Fills the flat vector `theta` with initial weights drawn from `rng`, layer by layer, `W`
 * row-major; biases 0. Uniform inits draw `U(−limit, limit)`; normal ones a normal truncated at
 * 2σ (redrawn outside) with σ divided by 0.8796… so the kept draws have the intended spread (Keras):
 * Glorot `limit = sqrt(6/(in+out))`, `σ = sqrt(2/(in+out))`; He `sqrt(6/in)`, `sqrt(2/in)`;
 * LeCun `sqrt(3/in)`, `sqrt(1/in)`. `auto` = He uniform for relu/leaky_relu, else Glorot uniform.
 * @throws ShapeError for an unknown init
 */
export function initializeFlat(network: NetworkSpec, init: InitName, rng: Rng, theta: FloatArray): void {
  if (!INITS.includes(init)) throw new ShapeError(`unknown init ${JSON.stringify(init)}`);
  const shapes = layerShapes(network);
  shapes.forEach((s, l) => {
    const activation = network.layers[l].activation;
    const kind = init === 'auto' ? (isReluFamily(activation) ? 'he_uniform' : 'glorot_uniform') : init;
    const fanIn = s.inSize, fanOut = s.units;
    const scale = kind.startsWith('glorot') ? 2 / (fanIn + fanOut) : kind.startsWith('he') ? 2 / fanIn : 1 / fanIn;
    const count = s.units * s.inSize;
    if (kind.endsWith('uniform')) {
      // Var(U(−l, l)) = l²/3, so l = sqrt(3·scale)
      const limit = Math.sqrt(3 * scale);
      for (let i = 0; i < count; i++) theta[s.wOffset + i] = (2 * rng.nextFloat() - 1) * limit;
    } else {
      // σ = sqrt(scale)/0.87962566103423978 (the std of a unit normal truncated at ±2)
      const sigma = Math.sqrt(scale) / 0.87962566103423978;
      for (let i = 0; i < count; i++) {
        let x = rng.nextNormal();
        while (x < -2 || x > 2) x = rng.nextNormal();
        theta[s.wOffset + i] = x * sigma;
      }
    }
    theta.fill(0, s.bOffset, s.bOffset + s.units);
  });
}

/**
 * Initial weights for `network` in the contract's JSON form, drawn from `seed` (the same stream
 * {@link createTrainer} uses, so `initializeWeights(n, init, seed)` equals a fresh trainer's start
 * in float64).
 * @throws ShapeError
 */
export function initializeWeights(network: NetworkSpec, init: InitName, seed: number): LayerWeights[] {
  assertNetworkSpec(network);
  const theta = new Float64Array(parameterCount(network));
  initializeFlat(network, init, new Rng(seed, 0), theta);
  return flatToWeights(network, theta);
}

/**
 * Copies weights in JSON form into the flat vector `theta`, checking every shape.
 * @throws ShapeError naming the first mismatch (and non-numbers)
 */
export function weightsToFlat(network: NetworkSpec, weights: LayerWeights[], theta: FloatArray): void {
  const shapes = layerShapes(network);
  if (!Array.isArray(weights) || weights.length !== shapes.length) {
    throw new ShapeError(`weights must list ${shapes.length} layers, got ${Array.isArray(weights) ? weights.length : typeof weights}`);
  }
  shapes.forEach((s, l) => {
    const { W, b } = weights[l] ?? ({} as LayerWeights);
    if (!Array.isArray(W) || W.length !== s.units) throw new ShapeError(`weights[${l}].W must have ${s.units} rows`);
    if (!Array.isArray(b) || b.length !== s.units) throw new ShapeError(`weights[${l}].b must have ${s.units} entries`);
    for (let j = 0; j < s.units; j++) {
      const row = W[j];
      if (!Array.isArray(row) || row.length !== s.inSize) throw new ShapeError(`weights[${l}].W[${j}] must have ${s.inSize} entries`);
      for (let k = 0; k < s.inSize; k++) {
        const x = row[k];
        if (typeof x !== 'number') throw new ShapeError(`weights[${l}].W[${j}][${k}] is not a number`);
        theta[s.wOffset + j * s.inSize + k] = x;
      }
      if (typeof b[j] !== 'number') throw new ShapeError(`weights[${l}].b[${j}] is not a number`);
      theta[s.bOffset + j] = b[j];
    }
  });
}

/** The flat vector `theta` in the contract's JSON form (`W[j][k]`, `b[j]`). */
export function flatToWeights(network: NetworkSpec, theta: FloatArray): LayerWeights[] {
  return layerShapes(network).map((s) => {
    const W: number[][] = [];
    for (let j = 0; j < s.units; j++) {
      const row = new Array<number>(s.inSize);
      for (let k = 0; k < s.inSize; k++) row[k] = theta[s.wOffset + j * s.inSize + k];
      W.push(row);
    }
    const b = new Array<number>(s.units);
    for (let j = 0; j < s.units; j++) b[j] = theta[s.bOffset + j];
    return { W, b };
  });
}

/**
 * Weights as bytes: little-endian float64, layer by layer `W` row-major then `b` (exact: NaN
 * payloads, −0 and subnormals survive; JSON would not).
 * @throws ShapeError when the weights do not fit `network`
 */
export function encodeWeights(network: NetworkSpec, weights: LayerWeights[]): Uint8Array {
  assertNetworkSpec(network);
  const theta = new Float64Array(parameterCount(network));
  weightsToFlat(network, weights, theta);
  const out = new Uint8Array(theta.length * 8);
  writeLittleEndian(out, 0, theta);
  return out;
}

/**
 * The exact inverse of {@link encodeWeights}. Accepts any Uint8Array view, including a Node
 * Buffer from the shared pool (byteOffset ≠ 0, not 8-byte aligned).
 * @throws ShapeError when the byte length does not match `network`
 */
export function decodeWeights(network: NetworkSpec, bytes: Uint8Array): LayerWeights[] {
  assertNetworkSpec(network);
  const count = parameterCount(network);
  if (bytes.byteLength !== count * 8) {
    throw new ShapeError(`weights bytes: expected ${count * 8} (${count} float64), got ${bytes.byteLength}`);
  }
  // Copied into an aligned array first: a pooled Buffer's byteOffset need not be a multiple of 8.
  const theta = new Float64Array(count);
  readLittleEndian(bytes, 0, theta);
  return flatToWeights(network, theta);
}

/** Rows of inputs processed per forward call in {@link predict} (bounds its buffers). */
const PREDICT_CHUNK_ROWS = 256;

/**
 * The forward pass for inference: `rows` samples of `inputs` (row-major, `rows × inputSize`)
 * through the network, returned as `rows × outputSize` float64. Uses `kernels` (their precision)
 * or float64 TypeScript kernels by default.
 * @throws ShapeError when weights or inputs do not fit
 */
export function predict(
  network: NetworkSpec, weights: LayerWeights[], inputs: Float64Array, rows: number, kernels: Kernels,
): Float64Array {
  assertNetworkSpec(network);
  if (!Number.isInteger(rows) || rows < 0) throw new ShapeError('rows must be a non-negative integer');
  if (inputs.length !== rows * network.inputSize) {
    throw new ShapeError(`inputs: expected ${rows}×${network.inputSize} = ${rows * network.inputSize} numbers, got ${inputs.length}`);
  }
  const shapes = layerShapes(network);
  const outSize = outputSize(network);
  const result = new Float64Array(rows * outSize);
  if (rows === 0) return result;
  const chunk = Math.min(rows, PREDICT_CHUNK_ROWS);
  const P = parameterCount(network);
  const lengths = [P, chunk * network.inputSize];
  for (const s of shapes) lengths.push(chunk * s.units, chunk * s.units);
  const [theta, x, ...acts] = kernels.allocate(lengths);
  weightsToFlat(network, weights, theta);
  const layers = shapes.map((s, l) => new DenseLayer(
    s.inSize, s.units, network.layers[l].activation,
    theta.subarray(s.wOffset, s.wOffset + s.units * s.inSize), theta.subarray(s.bOffset, s.bOffset + s.units),
    theta, theta, acts[2 * l], acts[2 * l + 1], acts[2 * l],
  ));
  const last = layers[layers.length - 1];
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    for (let i = 0; i < n * network.inputSize; i++) x[i] = inputs[start * network.inputSize + i];
    let input = x;
    for (const layer of layers) {
      layer.forward(kernels, input, n);
      input = layer.a;
    }
    for (let i = 0; i < n * outSize; i++) result[start * outSize + i] = last.a[i];
  }
  return result;
}
