/**
 * A trained dense network in the TensorFlow.js layers format: `model.json` (a Keras-style
 * `Sequential` of `Dense` layers plus a weights manifest) and one float32 weights file. A Dense
 * layer computes `a·kernel + bias`, so its kernel is our `W` transposed (`kernel[k][j] = W[j][k]`,
 * shape `[fanIn, units]`). TF.js has no `leaky_relu` activation string: such a layer is a linear
 * `Dense` followed by a `LeakyReLU` layer (alpha 0.01).
 */
import type { Activation, LayerWeights } from '../contract/job.js';
import type { ExportedNetwork } from './onnx-model.js';

/** The name of the weights file `model.json` points to (relative to its own URL). */
export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';

/** Slope of `leaky_relu` for z ≤ 0 (README, Activations). */
const LEAKY_RELU_ALPHA = 0.01;

/** TF.js's spelling of each activation a Dense layer applies itself. */
const DENSE_ACTIVATION: Record<Exclude<Activation, 'leaky_relu'>, string> = {
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  relu: 'relu',
  linear: 'linear',
  softmax: 'softmax',
};

/** One entry of the weights manifest. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** The `model.json` document of the TF.js layers format (the fields trainyard writes). */
export interface TfjsModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: { class_name: string; config: Record<string, unknown> }[] };
    keras_version: string;
    backend: string;
  };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

/** A TF.js export: the `model.json` document and the bytes of its weights file. */
export interface TfjsExport {
  modelJson: TfjsModelJson;
  /** Float32 little-endian, in manifest order: each layer's kernel (row-major) then its bias. */
  weightsBin: Uint8Array;
}

/**
 * Builds the TF.js layers-format export of the network and its weights (rounded to float32).
 * @param weightsPath the file name `model.json` gives for the weights. @defaultValue {@link TFJS_WEIGHTS_FILE}
 * @throws RangeError when the network has no layers or `weights` has another layer count.
 */
export function createTfjsModel(network: ExportedNetwork, weights: readonly LayerWeights[], weightsPath = TFJS_WEIGHTS_FILE): TfjsExport {
  const { inputSize, layers } = network;
  if (layers.length === 0 || weights.length !== layers.length) {
    throw new RangeError(`the network has ${layers.length} layers and ${weights.length} weight layers`);
  }
  const topology: { class_name: string; config: Record<string, unknown> }[] = [];
  const specs: TfjsWeightSpec[] = [];
  let count = 0;
  let fanIn = inputSize;
  layers.forEach((layer, l) => {
    const name = `dense_${l + 1}`;
    topology.push({
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        dtype: 'float32',
        ...(l === 0 ? { batch_input_shape: [null, inputSize] } : {}),
        units: layer.units,
        activation: layer.activation === 'leaky_relu' ? 'linear' : DENSE_ACTIVATION[layer.activation],
        use_bias: true,
      },
    });
    if (layer.activation === 'leaky_relu') {
      topology.push({ class_name: 'LeakyReLU', config: { name: `leaky_re_lu_${l + 1}`, trainable: true, dtype: 'float32', alpha: LEAKY_RELU_ALPHA } });
    }
    specs.push({ name: `${name}/kernel`, shape: [fanIn, layer.units], dtype: 'float32' });
    specs.push({ name: `${name}/bias`, shape: [layer.units], dtype: 'float32' });
    count += fanIn * layer.units + layer.units;
    fanIn = layer.units;
  });

  const weightsBin = new Uint8Array(count * 4);
  const view = new DataView(weightsBin.buffer);
  let offset = 0;
  fanIn = inputSize;
  layers.forEach((layer, l) => {
    const { W, b } = weights[l];
    // kernel[k][j] = W[j][k], row-major over [fanIn, units].
    for (let k = 0; k < fanIn; k++) {
      for (let j = 0; j < layer.units; j++) {
        view.setFloat32(offset, W[j][k], true);
        offset += 4;
      }
    }
    for (let j = 0; j < layer.units; j++) {
      view.setFloat32(offset, b[j], true);
      offset += 4;
    }
    fanIn = layer.units;
  });

  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'trainyard',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers: topology },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: [weightsPath], weights: specs }],
    },
    weightsBin,
  };
}
