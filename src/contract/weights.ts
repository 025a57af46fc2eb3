import type { LayerSpec, LayerWeights } from './job.js';

/**
 * The binary weight encoding shared by the engine, the stores and the API: for each layer in
 * order, `W` row-major (`units` rows of `fanIn` numbers; `W[j][k]` at `j·fanIn + k`), then `b`
 * (`units` numbers); every number an IEEE-754 float64, little-endian. Length in bytes =
 * 8 × {@link countParameters}. JSON is never used for stored weights.
 */

/** Σ over layers of `fanIn × units + units`. */
export function countParameters(inputSize: number, layers: readonly Pick<LayerSpec, 'units'>[]): number {
  let total = 0;
  let fanIn = inputSize;
  for (const layer of layers) {
    total += fanIn * layer.units + layer.units;
    fanIn = layer.units;
  }
  return total;
}

/** Flattens JSON weights into the float64 little-endian encoding. Assumes shapes are checked. */
export function encodeWeights(weights: readonly LayerWeights[]): Uint8Array {
  let count = 0;
  for (const layer of weights) count += layer.W.length * (layer.W[0]?.length ?? 0) + layer.b.length;
  const bytes = new Uint8Array(count * 8);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const layer of weights) {
    for (const row of layer.W) {
      for (const value of row) {
        view.setFloat64(offset, value, true);
        offset += 8;
      }
    }
    for (const value of layer.b) {
      view.setFloat64(offset, value, true);
      offset += 8;
    }
  }
  return bytes;
}

/**
 * Reads the encoding back into JSON weights for a network of `inputSize` and `layers`.
 * @throws RangeError when the byte length does not match the shape.
 */
export function decodeWeights(bytes: Uint8Array, inputSize: number, layers: readonly Pick<LayerSpec, 'units'>[]): LayerWeights[] {
  const expected = countParameters(inputSize, layers) * 8;
  if (bytes.byteLength !== expected) {
    throw new RangeError(`weights have ${bytes.byteLength} bytes; the network needs ${expected}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const result: LayerWeights[] = [];
  let offset = 0;
  let fanIn = inputSize;
  for (const layer of layers) {
    const W: number[][] = new Array(layer.units);
    for (let j = 0; j < layer.units; j++) {
      const row: number[] = new Array(fanIn);
      for (let k = 0; k < fanIn; k++) {
        row[k] = view.getFloat64(offset, true);
        offset += 8;
      }
      W[j] = row;
    }
    const b: number[] = new Array(layer.units);
    for (let j = 0; j < layer.units; j++) {
      b[j] = view.getFloat64(offset, true);
      offset += 8;
    }
    result.push({ W, b });
    fanIn = layer.units;
  }
  return result;
}

/**
 * Checks that JSON weights have the shape of the network; returns problems as data (JSON
 * Pointers under `basePath`), empty when the shape fits and every number is finite.
 */
export function checkWeightsShape(
  weights: readonly LayerWeights[],
  inputSize: number,
  layers: readonly Pick<LayerSpec, 'units'>[],
  basePath: string,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (weights.length !== layers.length) {
    return [{ path: basePath, message: `must have ${layers.length} layers, has ${weights.length}` }];
  }
  let fanIn = inputSize;
  for (let l = 0; l < layers.length && problems.length < 20; l++) {
    const units = layers[l].units;
    const { W, b } = weights[l];
    if (W.length !== units) problems.push({ path: `${basePath}/${l}/W`, message: `must have ${units} rows, has ${W.length}` });
    else {
      for (let j = 0; j < W.length; j++) {
        if (W[j].length !== fanIn) {
          problems.push({ path: `${basePath}/${l}/W/${j}`, message: `must have ${fanIn} columns, has ${W[j].length}` });
          break;
        }
      }
    }
    if (b.length !== units) problems.push({ path: `${basePath}/${l}/b`, message: `must have ${units} numbers, has ${b.length}` });
    fanIn = units;
  }
  return problems;
}
