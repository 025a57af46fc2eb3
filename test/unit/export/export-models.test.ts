/**
 * The ONNX and TF.js exports loaded by their own runtimes (onnxruntime-node, TF.js cpu) agree
 * with the engine's float64 forward pass to 1e-5 for every activation, in hidden and output
 * layers, with a batch of several rows (ONNX's batch dimension is dynamic).
 */
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { initializeWeights, predict, type NetworkSpec } from '../../../src/engine/index.js';
import type { Activation, LayerWeights } from '../../../src/contract/job.js';
import { createOnnxModel, ONNX_OPSET } from '../../../src/export/onnx-model.js';
import { createTfjsModel, TFJS_WEIGHTS_FILE } from '../../../src/export/tfjs-model.js';

const HIDDEN: Activation[] = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear'];
const OUTPUT: Activation[] = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear', 'softmax'];

/** Deterministic inputs in [-2, 2) (a small LCG; no Math.random in tests). */
function inputsFor(rows: number, width: number, seed: number): Float64Array {
  const out = new Float64Array(rows * width);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
  }
  return out;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function caseFor(hidden: Activation, output: Activation, seed: number): { net: NetworkSpec; weights: LayerWeights[]; inputs: Float64Array; expected: Float64Array } {
  const net: NetworkSpec = { inputSize: 3, layers: [{ units: 5, activation: hidden }, { units: 4, activation: hidden }, { units: 3, activation: output }] };
  const weights = initializeWeights(net, 'glorot_uniform', seed);
  const inputs = inputsFor(7, net.inputSize, seed);
  return { net, weights, inputs, expected: predict(net, weights, inputs, 7) };
}

async function runOnnx(model: Uint8Array, inputs: Float64Array, rows: number, width: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(inputs), [rows, width]) });
    return result.output.data as Float32Array;
  } finally {
    await session.release();
  }
}

async function runTfjs(net: NetworkSpec, weights: LayerWeights[], inputs: Float64Array, rows: number): Promise<Float32Array> {
  const { modelJson, weightsBin } = createTfjsModel(net, weights);
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: weightsBin.slice().buffer,
  }));
  const x = tf.tensor2d(Float32Array.from(inputs), [rows, net.inputSize]);
  const y = model.predict(x) as tf.Tensor;
  const data = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  model.dispose();
  return data;
}

describe('createOnnxModel', () => {
  it('writes opset 13 with one float32 input [N, inputSize] and one output [N, outputSize]', () => {
    const { net, weights } = caseFor('tanh', 'softmax', 1);

    const decoded = onnxProto.onnx.ModelProto.decode(createOnnxModel(net, weights));

    expect(decoded.opsetImport.map((o) => Number(o.version))).toEqual([ONNX_OPSET]);
    expect(ONNX_OPSET).toBeGreaterThanOrEqual(13);
    const graph = decoded.graph as onnxProto.onnx.GraphProto;
    expect(graph.node.map((n) => n.opType)).toEqual(['Gemm', 'Tanh', 'Gemm', 'Tanh', 'Gemm', 'Softmax']);
    expect(graph.input.map((i) => i.name)).toEqual(['input']);
    expect(graph.output.map((o) => o.name)).toEqual(['output']);
    const dims = (info: onnxProto.onnx.IValueInfoProto) => info.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    expect(dims(graph.input[0])).toEqual(['N', 3]);
    expect(dims(graph.output[0])).toEqual(['N', 3]);
    expect(graph.initializer.every((t) => t.dataType === onnxProto.onnx.TensorProto.DataType.FLOAT)).toBe(true);
  });

  it('gives linear layers no activation node and LeakyRelu alpha 0.01', () => {
    const { net, weights } = caseFor('leaky_relu', 'linear', 2);

    const graph = onnxProto.onnx.ModelProto.decode(createOnnxModel(net, weights)).graph as onnxProto.onnx.GraphProto;

    expect(graph.node.map((n) => n.opType)).toEqual(['Gemm', 'LeakyRelu', 'Gemm', 'LeakyRelu', 'Gemm']);
    const alpha = graph.node[1].attribute?.[0];
    expect(alpha?.name).toBe('alpha');
    expect(alpha?.f).toBeCloseTo(0.01, 7);
  });

  for (const hidden of HIDDEN) {
    for (const output of OUTPUT) {
      it(`agrees with the engine in onnxruntime to 1e-5: ${hidden} hidden, ${output} output`, async () => {
        const { net, weights, inputs, expected } = caseFor(hidden, output, HIDDEN.indexOf(hidden) * 10 + OUTPUT.indexOf(output) + 1);

        const actual = await runOnnx(createOnnxModel(net, weights), inputs, 7, net.inputSize);

        expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-5);
      });
    }
  }

  it('runs any batch size, one row included', async () => {
    const { net, weights } = caseFor('relu', 'sigmoid', 3);
    const model = createOnnxModel(net, weights);

    for (const rows of [1, 2, 50]) {
      const inputs = inputsFor(rows, net.inputSize, rows);
      const actual = await runOnnx(model, inputs, rows, net.inputSize);

      expect(maxAbsDifference(actual, predict(net, weights, inputs, rows))).toBeLessThan(1e-5);
    }
  });
});

describe('createTfjsModel', () => {
  it('names its weights file in the manifest with kernels shaped [fanIn, units]', () => {
    const { net, weights } = caseFor('leaky_relu', 'softmax', 4);

    const { modelJson, weightsBin } = createTfjsModel(net, weights);

    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0].paths).toEqual([TFJS_WEIGHTS_FILE]);
    expect(modelJson.weightsManifest[0].weights.map((w) => w.shape)).toEqual([[3, 5], [5], [5, 4], [4], [4, 3], [3]]);
    expect(modelJson.modelTopology.config.layers.map((l) => l.class_name)).toEqual(['Dense', 'LeakyReLU', 'Dense', 'LeakyReLU', 'Dense']);
    expect(weightsBin.byteLength).toBe(4 * (3 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3));
  });

  for (const hidden of HIDDEN) {
    for (const output of OUTPUT) {
      it(`agrees with the engine in tf.loadLayersModel to 1e-5: ${hidden} hidden, ${output} output`, async () => {
        const { net, weights, inputs, expected } = caseFor(hidden, output, HIDDEN.indexOf(hidden) * 10 + OUTPUT.indexOf(output) + 1);

        const actual = await runTfjs(net, weights, inputs, 7);

        expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-5);
      });
    }
  }
});
