/**
 * The README walk-through (submit XOR, poll, curve, result, predict) written against the
 * client types generated from openapi/openapi.json (`npm run openapi`) and openapi-fetch, with
 * no cast: `generated-client.test.ts` type-checks this file with `tsc --strict` and runs it
 * against a real server.
 */
import createClient from 'openapi-fetch';
import type { Job, JobSpec, Problem, paths } from '../../../client/generated/openapi.js';

/** What the walk-through saw, for the test to check. */
export interface WalkthroughOutcome {
  jobId: string;
  location: string | null;
  status: Job['status'];
  curveEpochs: number[];
  next: number;
  finalLoss: number;
  layerShapes: { rows: number; columns: number }[];
  outputs: number[][];
  notFound: Pick<Problem, 'status' | 'code'>;
}

/** The README's XOR job: a 2-8-1 network, Adam, 1000 epochs, a fixed seed. */
export const XOR_JOB: JobSpec = {
  name: 'xor demo',
  model: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
  loss: 'mse',
  optimizer: { type: 'adam', learningRate: 0.05 },
  training: { epochs: 1000, batchSize: 4, seed: 42 },
  data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] },
};

const FINISHED: readonly Job['status'][] = ['completed', 'failed', 'cancelled'];

function describeProblem(step: string, problem: Problem): Error {
  return new Error(`${step}: ${problem.status} ${problem.code}: ${problem.detail}`);
}

/** Runs the walk-through against `baseUrl` (e.g. http://127.0.0.1:3000). */
export async function runWalkthrough(baseUrl: string, timeoutMs = 60_000): Promise<WalkthroughOutcome> {
  const client = createClient<paths>({ baseUrl });

  // 1. Submit XOR.
  const submitted = await client.POST('/v1/jobs', { body: XOR_JOB });
  if (submitted.error) throw describeProblem('submit', submitted.error);
  // Without ?dryRun=true the answer is the 202 JobAccepted, not the 200 plan of a dry run.
  if (!('id' in submitted.data)) throw new Error('the submit answered with a dry-run plan');
  const jobId = submitted.data.id;
  const location = submitted.response.headers.get('location');

  // 2. Poll its status until it has finished.
  const deadline = Date.now() + timeoutMs;
  let job: Job | undefined;
  while (job === undefined || !FINISHED.includes(job.status)) {
    if (Date.now() > deadline) throw new Error(`the job has not finished in ${timeoutMs} ms`);
    if (job !== undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    const polled = await client.GET('/v1/jobs/{id}', { params: { path: { id: jobId } } });
    if (polled.error) throw describeProblem('poll', polled.error);
    job = polled.data;
  }

  // 3. The loss curve after epoch 990.
  const curve = await client.GET('/v1/jobs/{id}/metrics', { params: { path: { id: jobId }, query: { since: 990 } } });
  if (curve.error) throw describeProblem('curve', curve.error);

  // 4. The trained model.
  const result = await client.GET('/v1/jobs/{id}/result', { params: { path: { id: jobId } } });
  if (result.error) throw describeProblem('result', result.error);

  // 5. Predict with it.
  const predicted = await client.POST('/v1/jobs/{id}/predict', {
    params: { path: { id: jobId } },
    body: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]] },
  });
  if (predicted.error) throw describeProblem('predict', predicted.error);

  // An error is a typed problem+json body.
  const missing = await client.GET('/v1/jobs/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
  if (!missing.error) throw new Error('an unknown job was found');

  return {
    jobId,
    location,
    status: job.status,
    curveEpochs: curve.data.points.map((point) => point.epoch),
    next: curve.data.next,
    finalLoss: result.data.metrics.finalLoss,
    layerShapes: result.data.weights.map((layer) => ({ rows: layer.W.length, columns: layer.W[0]?.length ?? 0 })),
    outputs: predicted.data.outputs,
    notFound: { status: missing.error.status, code: missing.error.code },
  };
}
