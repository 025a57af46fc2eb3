/**
 * Thread entry of the worker's start-up calibration (see `calibrate.ts`): measures off the
 * worker's event loop, so BullMQ lock renewal and the first jobs are never held up by it.
 * Protocol: one `{ kernels, secondsPerJob, threads }` in, one `{ throughput }` or `{ error }` out.
 */
import { parentPort } from 'node:worker_threads';
import { calibrateThroughput } from './calibrate.js';

const port = parentPort!;
port.once('message', (request: { kernels: string; secondsPerJob: number; threads?: number }) => {
  calibrateThroughput(request.kernels, request.secondsPerJob, request.threads ?? 1)
    .then((throughput) => port.postMessage({ throughput }))
    .catch((err: unknown) => port.postMessage({ error: err instanceof Error ? err.message : String(err) }));
});
port.postMessage({ ready: true });
