import type { LayerSpec } from '../contract/job.js';

/** A forward pass asked of an inference thread. */
export interface PredictRequest {
  id: number;
  /** Identifies the weights (a job id) so a thread can reuse its decoded copy. */
  cacheKey: string;
  network: { inputSize: number; layers: LayerSpec[] };
  /** Float64 little-endian weights (contract/weights.ts encoding). */
  weights: Uint8Array;
  /** `rows × inputSize`, row-major. */
  inputs: Float64Array;
  rows: number;
}

/** An inference thread's answer. */
export type PredictResponse =
  | { id: number; outputs: Float64Array; error?: undefined }
  | { id: number; error: { code: string; message: string }; outputs?: undefined };
