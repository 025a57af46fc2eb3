import { PooledThread, siblingThreadEntry, ThreadPool } from '../threads/thread-pool.js';
import type { LayerSpec } from '../contract/job.js';
import type { PredictRequest, PredictResponse } from './messages.js';

/**
 * A forward pass that failed: inside its thread (e.g. a shape mismatch), by `timeout`, because
 * the thread died (`internal`), or because the pool is closed (`unavailable`).
 */
export class InferenceError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'InferenceError';
    this.code = code;
  }
}

/** The API's inference threads: /predict never runs the engine on the event loop. */
export interface InferencePool {
  /**
   * Runs the network on `rows` inputs in a thread.
   * @param cacheKey identifies `weights` (a job id); a thread that saw it last reuses its decoded copy.
   * @returns `rows × outputSize` outputs, row-major.
   * @throws InferenceError when the thread reports an error, dies or exceeds `timeoutMs`.
   */
  predict(
    cacheKey: string,
    network: { inputSize: number; layers: LayerSpec[] },
    weights: Uint8Array,
    inputs: Float64Array,
    rows: number,
  ): Promise<Float64Array>;
  /** Terminates every thread; pending calls reject. */
  close(): Promise<void>;
}

/** Milliseconds a predict may wait for a free (or starting) thread before it is refused. */
const ACQUIRE_TIMEOUT_MS = 30_000;

function isResponse(id: number): (message: unknown) => message is PredictResponse {
  return (message: unknown): message is PredictResponse => (message as PredictResponse | null)?.id === id;
}

/**
 * Starts `threads` inference threads (`INFERENCE_THREADS`) on the shared thread pool
 * (`src/threads/thread-pool.ts`); they start on the first predict, so an API that never predicts
 * never pays for them. A call prefers an idle thread that decoded the same weights last. A thread
 * that dies is replaced; its call fails.
 * @param options.timeoutMs a forward pass taking longer terminates its thread (bounded CPU).
 */
export function createInferencePool(options: { threads: number; timeoutMs: number; maxOldGenerationSizeMb?: number }): InferencePool {
  const pool = new ThreadPool({
    name: 'inference',
    size: options.threads,
    entry: siblingThreadEntry(import.meta.url, 'predict-thread'),
    resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 512 },
    unref: true,
  });
  let nextId = 1;
  let closed = false;

  async function run(request: PredictRequest): Promise<Float64Array> {
    let thread: PooledThread;
    try {
      thread = await pool.acquire({ timeoutMs: ACQUIRE_TIMEOUT_MS, prefer: (t) => t.tag === request.cacheKey });
    } catch (error) {
      throw new InferenceError('unavailable', closed ? 'the inference pool is closed' : (error as Error).message);
    }
    thread.tag = request.cacheKey;
    let timedOut = false;
    // A runaway forward pass: fail the call, kill the thread (the pool starts another).
    const timer = setTimeout(() => {
      timedOut = true;
      void pool.discard(thread);
    }, options.timeoutMs);
    const end = await thread.exchange(request, isResponse(request.id));
    clearTimeout(timer);
    if (!timedOut) pool.release(thread);
    if (timedOut) throw new InferenceError('timeout', `the forward pass took longer than ${options.timeoutMs} ms`);
    if (end.kind === 'died') throw new InferenceError('internal', end.error ? 'the inference thread failed' : 'the inference thread stopped');
    const response = end.message;
    if (response.error) throw new InferenceError(response.error.code, response.error.message);
    return response.outputs;
  }

  return {
    predict(cacheKey, network, weights, inputs, rows) {
      if (closed) return Promise.reject(new InferenceError('unavailable', 'the inference pool is closed'));
      return run({ id: nextId++, cacheKey, network, weights, inputs, rows });
    },

    async close() {
      closed = true;
      await pool.close();
    },
  };
}
