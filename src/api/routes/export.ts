import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { LayerWeights } from '../../contract/job.js';
import { decodeWeights } from '../../contract/weights.js';
import { JobFailedError, JobNotFinishedError, NotFoundError } from '../../errors.js';
import { createOnnxModel, type ExportedNetwork } from '../../export/onnx-model.js';
import { createTfjsModel, TFJS_WEIGHTS_FILE } from '../../export/tfjs-model.js';
import type { ApiDeps } from '../deps.js';
import { IdParams, problemResponses, SECURITY } from '../schemas/common.js';

/** A binary body in OpenAPI (`format: binary`). */
function binaryResponse(description: string) {
  return { description, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };
}

/** The `model.json` document of the TF.js layers format (documented loosely: TF.js reads it). */
const TfjsModelJsonSchema = Type.Object({
  format: Type.Literal('layers-model'),
  generatedBy: Type.String(),
  convertedBy: Type.Null(),
  modelTopology: Type.Object({}, { additionalProperties: true, description: 'Keras-style Sequential of Dense layers (LeakyReLU layers for leaky_relu)' }),
  weightsManifest: Type.Array(Type.Object({
    paths: Type.Array(Type.String()),
    weights: Type.Array(Type.Object({ name: Type.String(), shape: Type.Array(Type.Integer()), dtype: Type.Literal('float32') })),
  })),
}, { description: 'TF.js layers-format model.json; weights paths are relative to its URL' });

const TfjsFileParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  file: Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+\\.bin$' }),
}, { additionalProperties: false });

/** Export routes: the trained model as ONNX and in the TF.js layers format. */
export const exportRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { jobStore } = deps;
  const tags = ['jobs'];

  /** The finished job's network and weights, or the 409 / 404 a result read gives. */
  async function loadTrainedModel(tenant: string, id: string): Promise<{ jobId: string; network: ExportedNetwork; weights: LayerWeights[] }> {
    const record = await jobStore.getTenantJob(tenant, id);
    if (record.status === 'failed' || record.status === 'cancelled') throw new JobFailedError('The job has no trained model.');
    if (record.status !== 'completed') throw new JobNotFinishedError();
    const [spec, result] = await Promise.all([jobStore.getSpec(record.id), jobStore.getResult(record.id)]);
    if (!spec || !result) throw new NotFoundError('No such job.');
    const network = { inputSize: spec.model.inputSize, layers: spec.model.layers };
    return { jobId: record.id, network, weights: decodeWeights(result.weights, network.inputSize, network.layers) };
  }

  app.get('/jobs/:id/model.onnx', {
    schema: {
      tags,
      operationId: 'exportOnnx',
      summary: 'The trained model as ONNX (opset 13, float32, input `input` [N, inputSize], output `output`; 409 before completion)',
      description: 'One Gemm per layer (transB = 1: W keeps its [units][fanIn] layout) and its activation op (Sigmoid, Tanh, Relu, LeakyRelu alpha 0.01, Softmax axis -1; none for linear); the batch dimension N is dynamic. onnxruntime gives /predict’s outputs to 1e-5.',
      security: SECURITY,
      params: IdParams,
      response: { 200: binaryResponse('ONNX model (protobuf)'), ...problemResponses(404, 409) },
    },
  }, async (request, reply) => {
    const { jobId, network, weights } = await loadTrainedModel(request.tenant, request.params.id);
    const bytes = createOnnxModel(network, weights, { name: jobId });
    return (reply as FastifyReply)
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${jobId}.onnx"`)
      .header('cache-control', 'private, no-cache')
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  app.get('/jobs/:id/tfjs/model.json', {
    schema: {
      tags,
      operationId: 'exportTfjsModel',
      summary: 'The trained model in the TF.js layers format: model.json (load with tf.loadLayersModel; 409 before completion)',
      description: 'A Sequential of Dense layers (kernel = W transposed; a LeakyReLU layer after a leaky_relu one) whose weightsManifest names its float32 weights file, relative to this URL. tf.loadLayersModel(url) gives /predict’s outputs to 1e-5.',
      security: SECURITY,
      params: IdParams,
      response: { 200: TfjsModelJsonSchema, ...problemResponses(404, 409) },
    },
  }, async (request, reply) => {
    const { network, weights } = await loadTrainedModel(request.tenant, request.params.id);
    const { modelJson } = createTfjsModel(network, weights);
    // Sent as written: the schema documents the document, TF.js reads every field of it.
    return (reply as FastifyReply).type('application/json; charset=utf-8').header('cache-control', 'private, no-cache').send(JSON.stringify(modelJson));
  });

  app.get('/jobs/:id/tfjs/:file', {
    schema: {
      tags,
      operationId: 'exportTfjsWeights',
      summary: 'The float32 weights file that the TF.js model.json names (409 before completion)',
      description: 'Float32 little-endian values in manifest order: each layer’s kernel [fanIn, units] row-major, then its bias. Any other file name is a 404.',
      security: SECURITY,
      params: TfjsFileParams,
      response: { 200: binaryResponse('float32 little-endian weights, in manifest order'), ...problemResponses(400, 404, 409) },
    },
  }, async (request, reply) => {
    const { network, weights } = await loadTrainedModel(request.tenant, request.params.id);
    if (request.params.file !== TFJS_WEIGHTS_FILE) throw new NotFoundError(`This model's weights file is ${TFJS_WEIGHTS_FILE}.`);
    const { weightsBin } = createTfjsModel(network, weights);
    return (reply as FastifyReply)
      .type('application/octet-stream')
      .header('cache-control', 'private, no-cache')
      .send(Buffer.from(weightsBin.buffer, weightsBin.byteOffset, weightsBin.byteLength));
  });
};
