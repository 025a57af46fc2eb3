import { JobFailedError, JobNotFinishedError, NonFiniteOutputError, NotFoundError, UnavailableError, ValidationError, type FieldProblem } from '../errors.js';
import { InferenceError } from '../inference/inference-pool.js';
import type { ApiDeps } from './deps.js';

/** At most this many rows are named in a 400 or 422 (bounded response). */
const MAX_NAMED_ROWS = 50;

function assertInputsFit(rows: readonly (readonly number[])[], inputSize: number, maxRows: number): void {
  if (rows.length > maxRows) {
    throw new ValidationError(`At most ${maxRows} rows may be predicted in one request (the server setting PREDICT_MAX_ROWS).`, [
      { path: '/inputs', message: `must have at most ${maxRows} rows` },
    ]);
  }
  const problems: FieldProblem[] = [];
  for (let r = 0; r < rows.length && problems.length < MAX_NAMED_ROWS; r++) {
    const row = rows[r];
    if (row.length !== inputSize) {
      problems.push({ path: `/inputs/${r}`, message: `must have ${inputSize} numbers` });
      continue;
    }
    // The body schema already refuses NaN and ±Infinity; this keeps the rule where it is used.
    const c = row.findIndex((value) => !Number.isFinite(value));
    if (c >= 0) problems.push({ path: `/inputs/${r}/${c}`, message: 'must be a finite number' });
  }
  if (problems.length > 0) throw new ValidationError('Inputs do not fit the model.', problems);
}

/** Rows whose outputs hold ±Infinity or NaN (the first {@link MAX_NAMED_ROWS}). */
function nonFiniteRows(outputs: Float64Array, width: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < outputs.length && rows.length < MAX_NAMED_ROWS; i++) {
    if (Number.isFinite(outputs[i])) continue;
    const row = Math.floor(i / width);
    rows.push(row);
    // Skip the rest of this row.
    i = (row + 1) * width - 1;
  }
  return rows;
}

async function runForwardPass(deps: Pick<ApiDeps, 'inference'>, ...args: Parameters<ApiDeps['inference']['predict']>): Promise<Float64Array> {
  try {
    return await deps.inference.predict(...args);
  } catch (error) {
    if (!(error instanceof InferenceError)) throw error;
    // A thread that timed out, ran out of memory or stopped: the request was too big for it,
    // or the API is shutting down. Never a 500: the client can retry, with fewer rows.
    if (error.code === 'unavailable') throw new UnavailableError('The API is shutting down; retry shortly.');
    throw new UnavailableError(error.code === 'timeout' ? 'The prediction took too long; retry with fewer inputs.' : 'The prediction failed in its thread; retry with fewer inputs.');
  }
}

/**
 * `POST /v1/jobs/{id}/predict`: runs a completed job's model on `rows` in the inference pool.
 * @returns one output row per input row, every value finite.
 * @throws ValidationError (400) beyond `PREDICT_MAX_ROWS` rows, or for a row of the wrong width
 *   or a non-finite value; NonFiniteOutputError (422) naming each row whose output overflowed to
 *   ±Infinity or NaN; JobNotFinishedError / JobFailedError (409); NotFoundError (404);
 *   UnavailableError (503) when the forward pass times out or its thread fails.
 */
export async function predictWithJob(
  deps: Pick<ApiDeps, 'config' | 'jobStore' | 'inference'>,
  tenant: string,
  jobId: string,
  rows: readonly (readonly number[])[],
): Promise<number[][]> {
  const record = await deps.jobStore.getTenantJob(tenant, jobId);
  if (record.status === 'failed' || record.status === 'cancelled') throw new JobFailedError('The job has no trained model.');
  if (record.status !== 'completed') throw new JobNotFinishedError();
  const [spec, result] = await Promise.all([deps.jobStore.getSpec(record.id), deps.jobStore.getResult(record.id)]);
  if (!spec || !result) throw new NotFoundError('No such job.');
  const { inputSize, layers } = spec.model;
  assertInputsFit(rows, inputSize, deps.config.PREDICT_MAX_ROWS);
  const flat = new Float64Array(rows.length * inputSize);
  rows.forEach((row, i) => flat.set(row, i * inputSize));
  const outputs = await runForwardPass(deps, record.id, { inputSize, layers }, result.weights, flat, rows.length);
  const width = layers[layers.length - 1].units;
  const bad = nonFiniteRows(outputs, width);
  if (bad.length > 0) {
    throw new NonFiniteOutputError(
      `The model's output overflowed to ±Infinity or NaN for row ${bad[0]}${bad.length > 1 ? ` and ${bad.length - 1} more` : ''}: scale the inputs to the range the model was trained on.`,
      bad.map((row) => ({ path: `/inputs/${row}`, message: 'gives an output that is not a finite number' })),
    );
  }
  const out: number[][] = [];
  for (let r = 0; r < rows.length; r++) out.push(Array.from(outputs.subarray(r * width, (r + 1) * width)));
  return out;
}
