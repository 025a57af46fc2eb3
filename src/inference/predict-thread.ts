/**
 * Entry of an inference thread: receives `{ id, network, weights, inputs, rows }`, runs the
 * engine's forward pass, answers `{ id, outputs }` or `{ id, error: { code, message } }`.
 */
import { parentPort } from 'node:worker_threads';
import { decodeWeights, predict, type NetworkSpec } from '../engine/index.js';
import type { PredictRequest, PredictResponse } from './messages.js';

const port = parentPort;
if (!port) throw new Error('predict-thread must run in a worker thread');

/** The last decoded weights, keyed by the caller's cache key (a job id): repeated predicts skip decoding. */
let cached: { key: string; weights: ReturnType<typeof decodeWeights> } | null = null;

port.on('message', (message: PredictRequest) => {
  let response: PredictResponse;
  try {
    const network: NetworkSpec = message.network;
    let weights = cached !== null && cached.key === message.cacheKey ? cached.weights : null;
    if (weights === null) {
      weights = decodeWeights(network, message.weights);
      cached = { key: message.cacheKey, weights };
    }
    const outputs = predict(network, weights, message.inputs, message.rows);
    response = { id: message.id, outputs };
    port.postMessage(response, [outputs.buffer as ArrayBuffer]);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    response = { id: message.id, error: { code: e.code ?? 'internal', message: e.message ?? 'inference failed' } };
    port.postMessage(response);
  }
});
