/**
 * A trained dense network as an ONNX model: per layer one `Gemm` (`z = a·Wᵀ + b`, `W` kept in our
 * `[units][fanIn]` layout with `transB = 1`) and its activation op; float32 weights; one input
 * `input` of shape `[N, inputSize]` (N dynamic) and one output `output` of shape `[N, outputSize]`.
 * Encoded with the protobufjs classes generated from ONNX's own `onnx.proto` (`onnx-proto`).
 */
import onnxProto from 'onnx-proto';
import type { Activation, LayerSpec, LayerWeights } from '../contract/job.js';

const { onnx } = onnxProto;

/** The ONNX operator set the model imports (the default `ai.onnx` domain). */
export const ONNX_OPSET = 13;

/** ONNX IR version 7 (2020-05-08): the one opset 13 came with; onnxruntime loads IR 3 and later. */
export const ONNX_IR_VERSION = 7;

/** The symbolic batch dimension of `input` and `output`. */
const BATCH_DIM = 'N';

/** Slope of `leaky_relu` for z ≤ 0 (README, Activations). */
const LEAKY_RELU_ALPHA = 0.01;

/** The network a model is built from: its input width and layers (as in a job's `model`). */
export interface ExportedNetwork {
  inputSize: number;
  layers: readonly LayerSpec[];
}

/** Float32 little-endian bytes of `values`, as ONNX's `raw_data` stores them. */
function float32Bytes(values: Iterable<number>, count: number): Uint8Array {
  const bytes = new Uint8Array(count * 4);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const value of values) {
    view.setFloat32(offset, value, true);
    offset += 4;
  }
  return bytes;
}

function floatTensor(name: string, dims: number[], values: Iterable<number>): InstanceType<typeof onnx.TensorProto> {
  const count = dims.reduce((a, b) => a * b, 1);
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: float32Bytes(values, count) });
}

function floatMatrixInfo(name: string, width: number): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: BATCH_DIM }, { dimValue: width }] },
      },
    },
  });
}

/** The activation's node (none for `linear`). */
function activationNode(activation: Activation, input: string, output: string, name: string): InstanceType<typeof onnx.NodeProto> | null {
  switch (activation) {
    case 'linear':
      return null;
    case 'sigmoid':
      return onnx.NodeProto.create({ opType: 'Sigmoid', input: [input], output: [output], name });
    case 'tanh':
      return onnx.NodeProto.create({ opType: 'Tanh', input: [input], output: [output], name });
    case 'relu':
      return onnx.NodeProto.create({ opType: 'Relu', input: [input], output: [output], name });
    case 'leaky_relu':
      return onnx.NodeProto.create({
        opType: 'LeakyRelu', input: [input], output: [output], name,
        attribute: [{ name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: LEAKY_RELU_ALPHA }],
      });
    case 'softmax':
      // Opset 13's Softmax normalises along `axis` alone (earlier opsets flattened from it on).
      return onnx.NodeProto.create({
        opType: 'Softmax', input: [input], output: [output], name,
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
      });
  }
}

/**
 * Encodes the network and its weights as an ONNX model (opset {@link ONNX_OPSET}).
 * Weights are rounded to float32. Assumes `weights` fit the network (as a stored result does).
 * @throws RangeError when the network has no layers or `weights` has another layer count.
 */
export function createOnnxModel(network: ExportedNetwork, weights: readonly LayerWeights[], options: { name?: string } = {}): Uint8Array {
  const { inputSize, layers } = network;
  if (layers.length === 0 || weights.length !== layers.length) {
    throw new RangeError(`the network has ${layers.length} layers and ${weights.length} weight layers`);
  }
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  let previous = 'input';
  let fanIn = inputSize;
  layers.forEach((layer, l) => {
    const last = l === layers.length - 1;
    const { W, b } = weights[l];
    const wName = `layer${l}.W`;
    const bName = `layer${l}.b`;
    // W row-major [units][fanIn], exactly our W[j][k].
    initializers.push(floatTensor(wName, [layer.units, fanIn], W.flat()));
    initializers.push(floatTensor(bName, [layer.units], b));
    const hasActivation = layer.activation !== 'linear';
    const z = last && !hasActivation ? 'output' : `layer${l}.z`;
    // Gemm: Y = A·Bᵀ + C with A = [N, fanIn], B = W [units, fanIn] (transB), C = b broadcast over N.
    nodes.push(onnx.NodeProto.create({
      opType: 'Gemm', input: [previous, wName, bName], output: [z], name: `layer${l}.gemm`,
      attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    }));
    const a = last ? 'output' : `layer${l}.a`;
    const act = activationNode(layer.activation, z, a, `layer${l}.${layer.activation}`);
    if (act) nodes.push(act);
    previous = hasActivation ? a : z;
    fanIn = layer.units;
  });

  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'trainyard',
    graph: {
      name: options.name ?? 'trainyard',
      node: nodes,
      initializer: initializers,
      input: [floatMatrixInfo('input', inputSize)],
      output: [floatMatrixInfo('output', fanIn)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
