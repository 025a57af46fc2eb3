import { Worker } from 'node:worker_threads';
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

interface Task {
  request: PredictRequest;
  resolve: (outputs: Float64Array) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  lastKey: string | null;
}

const THREAD_ENTRY = new URL('./predict-thread.ts', import.meta.url).href;
const THREAD_BOOTSTRAP = new URL('./thread-bootstrap.mjs', import.meta.url);

/**
 * Starts `threads` inference threads (`INFERENCE_THREADS`). The thread entry is TypeScript: a
 * small `.mjs` bootstrap registers tsx in the thread (Node 20 ignores `--import tsx` in a
 * Worker's `execArgv`), then imports it. A thread that dies is replaced; its task fails.
 * @param options.timeoutMs a forward pass taking longer terminates its thread (bounded CPU).
 */
export function createInferencePool(options: { threads: number; timeoutMs: number; maxOldGenerationSizeMb?: number }): InferencePool {
  const slots: Slot[] = [];
  const waiting: Task[] = [];
  let nextId = 1;
  let closed = false;

  function spawn(index: number): void {
    const worker = new Worker(THREAD_BOOTSTRAP, {
      workerData: { entry: THREAD_ENTRY },
      resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 512 },
    });
    worker.unref();
    const slot: Slot = { worker, task: null, lastKey: null };
    slots[index] = slot;
    worker.on('message', (response: PredictResponse) => {
      const task = slot.task;
      if (!task || task.request.id !== response.id) return;
      clearTimeout(task.timer);
      slot.task = null;
      if (response.error) task.reject(new InferenceError(response.error.code, response.error.message));
      else task.resolve(response.outputs!);
      dispatch();
    });
    const onDeath = (error?: Error): void => {
      const task = slot.task;
      slot.task = null;
      if (task) {
        clearTimeout(task.timer);
        task.reject(new InferenceError('internal', error ? 'the inference thread failed' : 'the inference thread stopped'));
      }
      if (!closed && slots[index] === slot) {
        spawn(index);
        dispatch();
      }
    };
    worker.on('error', onDeath);
    worker.on('exit', () => onDeath());
  }

  function dispatch(): void {
    while (waiting.length > 0) {
      const key = waiting[0].request.cacheKey;
      const idle = slots.filter((s) => s.task === null);
      if (idle.length === 0) return;
      const slot = idle.find((s) => s.lastKey === key) ?? idle[0];
      const task = waiting.shift()!;
      slot.task = task;
      slot.lastKey = key;
      task.timer = setTimeout(() => {
        // A runaway forward pass: fail the call, kill the thread (it is respawned).
        if (slot.task === task) {
          slot.task = null;
          task.reject(new InferenceError('timeout', `the forward pass took longer than ${options.timeoutMs} ms`));
        }
        void slot.worker.terminate();
      }, options.timeoutMs);
      slot.worker.postMessage(task.request);
    }
  }

  return {
    predict(cacheKey, network, weights, inputs, rows) {
      if (closed) return Promise.reject(new InferenceError('unavailable', 'the inference pool is closed'));
      // Threads start on the first predict: an API that never predicts never pays for them.
      if (slots.length === 0) for (let i = 0; i < options.threads; i++) spawn(i);
      return new Promise<Float64Array>((resolve, reject) => {
        waiting.push({ request: { id: nextId++, cacheKey, network, weights, inputs, rows }, resolve, reject });
        dispatch();
      });
    },

    async close() {
      closed = true;
      for (const task of waiting.splice(0)) task.reject(new InferenceError('unavailable', 'the inference pool is closed'));
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
